"""Background work across the apps: the one place that knows what follows what.

Tasks take ids, never model instances, and are enqueued on commit. The chain a user relies on:

- importing a file (from the page: the ``import_file`` task; from the CLI: in the foreground)
  ends by queueing ``refresh_parties`` for the parties it touched;
- so does a merge, an undone merge, and a change of an offering's kind;
- ``refresh_parties`` reads those parties again (customer or client, with reasons), then scores
  everyone, in that order, as one job.

This module sits on the delivery floor beside web, api and cli (import-linter checks it), so
the domain apps below never reach up to schedule each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from patron.commerce.imports import BUSY_PATIENCE, ImportRejected, do_import_file
from patron.commerce.models import Engagement, ImportRun, Offering, Order
from patron.commerce.queries import parties_of_offering
from patron.commerce.undo import UndoRefused, claim_undo, do_undo_import
from patron.core.db import wait_out_busy
from patron.core.problems import Problem
from patron.core.retention import forget_idempotency
from patron.core.runs import RunStatus, reap_interrupted_runs
from patron.feedback.items import escalate_overdue
from patron.feedback.surveys import do_plan_surveys
from patron.insight.classification import do_classify
from patron.insight.scoring import ScoringFailed, do_score
from patron.loyalty.bonuses import do_birthday_bonuses, settle_referrals
from patron.loyalty.grades import do_recompute_grades, end_hand_grades
from patron.loyalty.ledger import expire_due, release_due
from patron.loyalty.notices import plan_expiry_notices
from patron.loyalty.program import settle_orders
from patron.loyalty.recommendations import do_recommend
from patron.outreach.campaigns import do_resume_campaign, settle_campaigns
from patron.outreach.daily import do_plan_day
from patron.outreach.delivery import deliver_due
from patron.outreach.models import Campaign, CampaignStatus, PlanRun
from patron.outreach.pending import record_pending
from patron.outreach.planner import do_plan_campaign
from patron.outreach.queries import campaign_report
from patron.outreach.receipts import read_due_receipts
from patron.outreach.rules import KOREA
from patron.outreach.services import do_launch_campaign
from patron.parties.models import Relationship

logger = logging.getLogger(__name__)

UPLOAD_NAME = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,5})?")
# Refusals a person can fix on the page by saying which column is which: the file is kept.
MAPPABLE = ("file.no_date_column", "file.no_amount_column", "file.no_customer_column")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")


class JobRefused(Problem):
    """A job that cannot be started (an expired preview, a run that cannot resume)."""


def enqueue(task_to_run, *args, **kwargs) -> None:
    """Queue a task with the change that calls for it. On the database backend the task's row
    is written in the same transaction (both happen or neither: no run left "queued" with no
    task behind it); on a broker (RQ) it is sent once the transaction has committed, so the
    worker never looks for rows not yet there."""
    if isinstance(task_to_run.get_backend(), DatabaseBackend):
        task_to_run.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task_to_run.enqueue(*args, **kwargs))


def requeue_lost_imports(older_than: float = 120.0) -> int:
    """Queued runs whose task is gone (enqueued on a broker that lost it, or an older
    version's): queued again, so a run never waits forever."""
    waiting = {
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.filter(
            task_path=import_file.module_path, status__in=["READY", "RUNNING"]
        )
        if task.args_kwargs.get("args")
    }
    cutoff = timezone.now() - dt.timedelta(seconds=older_than)
    lost = ImportRun.objects.filter(status=RunStatus.QUEUED, started_at__lt=cutoff).exclude(
        pk__in=waiting
    )
    count = 0
    for run_id in lost.values_list("pk", flat=True):
        enqueue(import_file, run_id)
        count += 1
    return count


# -- uploads ------------------------------------------------------------------------------------


def upload_dir() -> Path:
    directory = settings.DATA_DIR / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def store_upload(chunks: Iterable[bytes], original_name: str) -> str:
    """Write an uploaded file under the uploads directory; its name is its SHA-256 (and the
    original suffix: a CSV renamed .xlsx must still be caught as one)."""
    digest = hashlib.sha256()
    directory = upload_dir()
    # A name of its own for each upload in progress: two people uploading "orders.csv" at
    # once never write into one file.
    handle_fd, temporary_name = tempfile.mkstemp(prefix="incoming-", dir=directory)
    temporary = Path(temporary_name)
    with os.fdopen(handle_fd, "wb") as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
    suffix = Path(original_name).suffix.lower()
    name = digest.hexdigest() + (suffix if _SUFFIX.fullmatch(suffix) else "")
    temporary.replace(directory / name)
    return name


@sensitive_variables("password")
def unlock_upload(name: str, original_name: str, password: str | None) -> str:
    """A stored upload that is a password-protected workbook, opened now with its password:
    the stored file becomes the opened workbook, so that the password goes no further than
    this request (never onto the run, the queue or a log). Other uploads are left as they
    are. A missing or wrong password is refused (UnreadableFile) and the upload removed."""
    from patron.commerce.importers.reading import decrypt_workbook

    path = upload_dir() / name
    with tempfile.TemporaryFile(dir=upload_dir()) as opened:
        try:
            if not decrypt_workbook(path, password, opened):
                return name
        except Problem:
            path.unlink(missing_ok=True)
            raise
        opened.seek(0)
        unlocked = store_upload(iter(lambda: opened.read(1 << 20), b""), original_name)
    path.unlink(missing_ok=True)
    return unlocked


def purge_uploads(now: float | None = None) -> int:
    """Remove stored uploads nobody needs any more: older than PATRON_UPLOAD_KEEP_HOURS (kept
    that long for a preview's "Import this file", a resume, a second try with the columns
    named) and not waiting for an import; half-written uploads after an hour."""
    now = time.time() if now is None else now
    keep = settings.PATRON_UPLOAD_KEEP_HOURS * 3600
    busy = set(
        ImportRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).values_list(
            "upload", flat=True
        )
    )
    removed = 0
    for path in upload_dir().iterdir():
        age = now - path.stat().st_mtime
        stale = age > 3600 if path.name.startswith("incoming-") else age > keep
        if stale and path.name not in busy:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def upload_path(name: str) -> Path | None:
    if not UPLOAD_NAME.fullmatch(name or ""):
        return None
    path = upload_dir() / name
    return path if path.is_file() else None


# -- imports --------------------------------------------------------------------------------------


def start_import(
    upload: str,
    *,
    file_name: str,
    user,
    profile: str = "",
    source: str = "",
    mapping: dict[str, str] | None = None,
    encoding: str = "",
    on_conflict: str = "keep",
    dry_run: bool = False,
) -> ImportRun:
    """Queue an import (or a preview) of a stored upload; the worker runs it."""
    path = upload_path(upload)
    if path is None:
        raise JobRefused("import.upload_missing")
    with transaction.atomic():
        run = ImportRun.objects.create(
            file_name=file_name[:255],
            upload=upload,
            profile=profile,
            source=source,
            mapping=mapping or {},
            encoding=encoding,
            on_conflict=on_conflict,
            dry_run=dry_run,
            user=user,
        )
        enqueue(import_file, run.pk)
    return run


def import_for_real(preview: ImportRun, *, user) -> ImportRun:
    """ "Import this file" after a preview: the same upload and choices, kept this time."""
    if not preview.dry_run or preview.status != RunStatus.DONE:
        raise JobRefused("import.not_a_preview")
    return start_import(
        preview.upload,
        file_name=preview.file_name,
        user=user,
        profile=preview.profile,
        source=preview.source,
        mapping=preview.mapping,
        encoding=preview.encoding,
        on_conflict=preview.on_conflict,
    )


def import_again_giving_orders(run: ImportRun, *, user) -> ImportRun:
    """The person says the file is right: its people get the orders an earlier file gave to
    others. The same file, imported again with that choice."""
    if not run.is_finished or not run.summary.get("orders_conflicting"):
        raise JobRefused("import.nothing_to_give")
    if run.undone_at is not None or run.undo_started_at is not None:
        raise JobRefused("import.not_resumable")
    return start_import(
        run.upload,
        file_name=run.file_name,
        user=user,
        profile=run.profile,
        source=run.source,
        mapping=run.mapping,
        encoding=run.encoding,
        on_conflict="replace",
        dry_run=run.dry_run,
    )


def resume_import(run: ImportRun) -> ImportRun:
    """Run an interrupted import again; like the CLI's re-run, it completes it exactly."""
    if run.status not in (RunStatus.INTERRUPTED, RunStatus.FAILED) or run.dry_run:
        raise JobRefused("import.not_resumable")
    if upload_path(run.upload) is None:
        raise JobRefused("import.upload_missing")
    if run.undone_at is not None or run.undo_started_at is not None:
        raise JobRefused("import.not_resumable")
    with transaction.atomic():
        # Conditional: two clicks on "run it again" queue it once.
        requeued = ImportRun.objects.filter(
            pk=run.pk, status__in=[RunStatus.INTERRUPTED, RunStatus.FAILED]
        ).update(status=RunStatus.QUEUED, problem=None, finished_at=None, worker="")
        if requeued:
            enqueue(import_file, run.pk)
    run.refresh_from_db()
    return run


@task()
def import_file(run_id: int) -> dict[str, Any]:
    """Import (or preview) a stored upload for a queued run, then queue the refresh."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        return {"status": "skipped", "run": run_id}  # already run, or cancelled
    path = upload_path(run.upload)
    if path is None:
        run.mark_finished(RunStatus.FAILED, {"code": "import.upload_missing"})
        return {"status": "failed", "run": run_id}
    try:
        report = do_import_file(path, run=run)
    except ImportRejected as exc:
        if exc.code not in MAPPABLE:  # a file that cannot be read at all is not kept
            _release_upload(run)
        return {"status": "failed", "run": run_id, "problem": exc.message}
    if not run.dry_run:
        if not report.orders_conflicting:  # else kept for "give these orders to ..."
            _release_upload(run)
        refresh_after_import(report)
    return {"status": "done", "run": run_id, "orders_created": report.orders_created}


def _release_upload(run: ImportRun) -> None:
    """A kept import no longer needs its file; a preview keeps it for "Import this file"."""
    others = ImportRun.objects.filter(
        upload=run.upload, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).exclude(pk=run.pk)
    path = upload_path(run.upload)
    if path is not None and not others.exists():
        path.unlink(missing_ok=True)


def undo_import_later(run: ImportRun, *, user) -> None:
    """Queue the undo of an import (it works in batches; a big file takes a while)."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    with transaction.atomic():
        claim_undo(run)
        enqueue(undo_import, run.pk, user_id)


@task()
def undo_import(run_id: int, user_id: int | None = None) -> dict[str, Any]:
    from django.contrib.auth.models import User

    run = ImportRun.objects.get(pk=run_id)
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        counts = do_undo_import(run, actor=actor, claimed=True)
    except UndoRefused as exc:  # asked twice: the first one did it
        return {"status": "skipped", "problem": exc.message}
    touched = counts.pop("touched")
    if touched:
        refresh_later(touched)
    _release_upload(run)
    return {"status": "done", **counts}


def refresh_after_import(report) -> None:
    """A file that changed orders changes what Patron knows of their parties. One that changed
    nothing still refreshes parties never read (an earlier attempt was killed before it could
    queue their refresh)."""
    if report.dry_run:
        return

    def queue() -> None:
        changed = (
            report.orders_created
            or report.orders_updated
            or report.engagements_created
            or report.engagements_updated
        )
        unread = Relationship.objects.filter(
            Q(party__orders__import_run_id=report.run_id)
            | Q(party__engagements__import_run_id=report.run_id),
            classified_at__isnull=True,
        )
        if changed or unread.exists():
            refresh_later(import_run=report.run_id)

    # As patient as the import's batches: a database held busy by another process past the
    # busy timeout would otherwise leave a finished import's parties unclassified, and
    # `patron import` ending in a traceback after saying nothing was wrong.
    wait_out_busy(queue, BUSY_PATIENCE)


# -- refreshing parties ---------------------------------------------------------------------------


def refresh_later(
    party_ids: Iterable[int] | None = None,
    *,
    import_run: int | None = None,
    offering: int | None = None,
) -> None:
    """Queue a refresh (classify the parties, then score everyone) once this transaction
    commits. Without arguments: every party."""
    kwargs: dict[str, Any] = {}
    if party_ids is not None:
        kwargs["party_ids"] = sorted(set(party_ids))
    if import_run is not None:
        kwargs["import_run"] = import_run
    if offering is not None:
        kwargs["offering"] = offering
    enqueue(refresh_parties, **kwargs)


@task()
def refresh_parties(
    party_ids: list[int] | None = None,
    import_run: int | None = None,
    offering: int | None = None,
) -> dict[str, Any]:
    """Settle the points of an import's orders, classify the affected parties, then score
    every party: one job, in that order."""
    if import_run is not None:
        settle_orders(Order.objects.filter(import_run_id=import_run).values_list("pk", flat=True))
    scope = _scope(party_ids, import_run, offering)
    kinds = do_classify(scope)
    if _another_refresh_waiting():
        # A later refresh will score after its own classification: scoring now is wasted.
        return {"status": "classified", "kinds": kinds}
    # Each party's buy-again and discover lists, from everyone's purchases (not the scores).
    recommended = do_recommend()["parties"]
    try:
        run = do_score()
    except ScoringFailed as exc:
        return {
            "status": "classified",
            "kinds": kinds,
            "scoring": exc.message,
            "recommended": recommended,
        }
    return {"status": "done", "kinds": kinds, "scoring_run": run.pk, "recommended": recommended}


def _scope(party_ids, import_run, offering):
    if party_ids is not None:
        return party_ids
    if import_run is not None:
        ordered = Order.objects.filter(import_run_id=import_run).values_list("party_id", flat=True)
        booked = Engagement.objects.filter(import_run_id=import_run).values_list(
            "party_id", flat=True
        )
        return sorted({*ordered.iterator(chunk_size=5000), *booked.iterator(chunk_size=5000)})
    if offering is not None:
        found = Offering.objects.filter(pk=offering).first()
        return parties_of_offering(found) if found else []
    return None


def _another_refresh_waiting() -> bool:
    return DBTaskResult.objects.ready().filter(task_path=refresh_parties.module_path).exists()


# -- keeping in touch ---------------------------------------------------------------------------


def launch_campaign(campaign: Campaign, *, user=None, not_advertising: bool = False) -> bool:
    """Launch a draft campaign: planned now by the worker, or when its time comes."""
    with transaction.atomic():
        launched = do_launch_campaign(campaign, actor=user, not_advertising=not_advertising)
        if launched and campaign.status == CampaignStatus.PLANNING:
            enqueue(plan_campaign, campaign.pk)
    return launched


def resume_campaign(campaign: Campaign, *, actor=None) -> int:
    """Resume a paused campaign; one paused before its planning finished is planned again
    (its rest: planning adds nothing planned already)."""
    with transaction.atomic():
        released = do_resume_campaign(campaign, actor=actor)
        if campaign.status == CampaignStatus.PLANNING:
            enqueue(plan_campaign, campaign.pk)
    return released


def start_due_campaigns(now: dt.datetime | None = None) -> int:
    """Scheduled campaigns whose time has come are planned (the worker asks every beat)."""
    now = now or timezone.now()
    started = 0
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, send_at__lte=now)
    for campaign_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Campaign.objects.filter(
                pk=campaign_id, status=CampaignStatus.SCHEDULED
            ).update(status=CampaignStatus.PLANNING)
            if claimed:
                enqueue(plan_campaign, campaign_id)
                started += 1
    return started


@task()
def plan_campaign(campaign_id: int) -> dict[str, int]:
    """Decide, party by party, who gets the campaign and on which channel (outreach.planner);
    the courier sends what was queued. Planning again plans nothing twice."""
    campaign = Campaign.objects.select_related("segment", "template").get(pk=campaign_id)
    if campaign.status not in (CampaignStatus.PLANNING, CampaignStatus.SENDING):
        return {}
    try:
        do_plan_campaign(campaign)
    except Exception as exc:
        Campaign.objects.filter(pk=campaign_id).update(
            status=CampaignStatus.FAILED, problem={"code": "run.crashed", "error": str(exc)[:200]}
        )
        raise
    report = campaign_report(campaign)
    # Only a campaign still planning becomes "sending": one paused or cancelled meanwhile
    # keeps that state.
    Campaign.objects.filter(
        pk=campaign_id, status__in=(CampaignStatus.PLANNING, CampaignStatus.SENDING)
    ).update(status=CampaignStatus.SENDING, planned_at=timezone.now(), plan=report, problem=None)
    return report


def courier_round() -> dict[str, int]:
    """One round of the courier: the day's plan and campaigns whose time came are started,
    one batch of due messages is delivered. Empty when there was nothing to do."""
    pending = record_pending()  # before anything is sent
    counts = Counter(unsubscribes_recorded=pending.recorded, unsubscribes_waiting=pending.waiting)
    start_daily_plan()
    start_due_campaigns()
    if not pending.waiting:  # one of them may refuse a message this round would send
        counts.update(deliver_due().counts)
    counts.update(read_due_receipts())
    global _settled_at
    if time.monotonic() - _settled_at > SETTLE_EVERY:
        _settled_at = time.monotonic()
        counts["campaigns_done"] += settle_campaigns()
        counts["feedback_escalated"] += escalate_overdue()
        # Pending points become usable and expired ones go, whenever their time comes.
        counts["points_released"] += release_due()
        counts["points_expired"] += expire_due()
        counts["idempotency_forgotten"] += forget_idempotency()
    return {key: n for key, n in counts.items() if n}


SETTLE_EVERY = 30.0  # seconds between looking for campaigns whose last message is settled
_settled_at = -SETTLE_EVERY


class PlanRefused(Problem):
    """A day's plan that cannot run now (another process is running it)."""


def plan_day_now(day: dt.date) -> PlanRun:
    """Run the daily planner for a day in this process (`patron plan`), as the day's tracked
    run; a day planned before is planned again (which adds nothing planned already)."""
    reap_interrupted_runs()
    run, _created = PlanRun.objects.get_or_create(day=day)
    if run.status == RunStatus.RUNNING:
        raise PlanRefused("plan.running", day=day.isoformat())
    run.mark_running()
    _run_plan(run)
    return run


PLAN_RETRIES = 6  # a day's failed plan is tried again this many times
PLAN_RETRY_FIRST = dt.timedelta(minutes=5)  # then 10, 20, 40... minutes


def start_daily_plan(now: dt.datetime | None = None) -> bool:
    """Once a day, from PATRON_PLAN_HOUR Korean time, the day's plan is queued; a plan that
    failed or was interrupted is queued again after a growing wait (it adds nothing planned
    already), up to PLAN_RETRIES times. The dashboard shows a plan that failed."""
    now = now or timezone.now()
    local = now.astimezone(KOREA)
    if local.hour < settings.PATRON_PLAN_HOUR:
        return False
    run = PlanRun.objects.filter(day=local.date()).first()
    if run is None:
        try:
            with transaction.atomic():
                run = PlanRun.objects.create(day=local.date())
                enqueue(plan_day, run.pk)
        except IntegrityError:
            return False  # another worker queued it first
        return True
    return _retry_plan(run, now)


def _retry_plan(run: PlanRun, now: dt.datetime) -> bool:
    if run.status not in (RunStatus.FAILED, RunStatus.INTERRUPTED):
        return False
    tries = int(run.counts.get("tries", 1)) if run.counts else 1
    wait = PLAN_RETRY_FIRST * 2 ** (tries - 1)
    if tries > PLAN_RETRIES or (run.finished_at and now - run.finished_at < wait):
        return False
    with transaction.atomic():
        requeued = PlanRun.objects.filter(pk=run.pk, status=run.status).update(
            status=RunStatus.QUEUED, counts={"tries": tries + 1}
        )
        if requeued:
            enqueue(plan_day, run.pk)
    return bool(requeued)


@task()
def plan_day(run_id: int) -> dict[str, int]:
    run = PlanRun.objects.get(pk=run_id)
    if not run.claim():
        return {}
    _run_plan(run)
    return run.counts


def _run_plan(run: PlanRun) -> None:
    try:
        counts = do_plan_day(run.day)
        counts.update({f"survey_{k}": n for k, n in do_plan_surveys(run.day).items()})
        counts.update({f"points_{k}": n for k, n in plan_expiry_notices(run.day).items()})
        # Grades: the month's computation on its first plan (the 1st, or the first day the
        # worker ran after it), and grades set by hand whose end date passed.
        counts.update({f"grades_{k}": n for k, n in do_recompute_grades(run.day).items()})
        counts.update({f"grades_{k}": n for k, n in end_hand_grades(run.day).items()})
        counts.update({f"birthday_{k}": n for k, n in do_birthday_bonuses(run.day).items()})
        counts.update({f"referral_{k}": n for k, n in settle_referrals().items()})
    except Exception as exc:
        run.mark_finished(RunStatus.FAILED, {"code": "run.crashed", "error": str(exc)[:200]})
        raise
    run.mark_finished(RunStatus.DONE, counts=counts)
