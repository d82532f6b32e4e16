"""Undoing an import: the orders and engagements (bookings) it added and the parties only it
brought in are removed.

Orders and engagements the file updated (they were there before) stay as the file left them:
Patron keeps no earlier version to go back to, and the undo says how many those are. The work is
done in batches, one transaction each, so no lock is held longer than a batch.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone

from patron.core.bulk import chunked
from patron.core.problems import Problem
from patron.core.runs import RunStatus
from patron.parties.activity import activity_row, record_activities
from patron.parties.models import Activity, Consent, KindSource, Party, PartyMerge

from .models import Engagement, ImportRun, Order
from .signals import orders_undone

BATCH = 2000


class UndoRefused(Problem):
    """An import that cannot be undone."""


# An undo whose process died is taken over after this long.
UNDO_LEASE = dt.timedelta(hours=1)


def check_undo_import(run: ImportRun) -> None:
    if run.dry_run:
        raise UndoRefused("import.undo_preview")
    if run.undone_at is not None:
        raise UndoRefused("import.undone_already")
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise UndoRefused("import.undo_running")
    if run.undo_started_at is not None and timezone.now() - run.undo_started_at < UNDO_LEASE:
        raise UndoRefused("import.undo_under_way")


def _claim_undo(run: ImportRun) -> None:
    """One undo at a time: a second click, or a second worker, finds it taken."""
    now = timezone.now()
    free = Q(undo_started_at__isnull=True) | Q(undo_started_at__lt=now - UNDO_LEASE)
    taken = ImportRun.objects.filter(free, pk=run.pk, undone_at__isnull=True).update(
        undo_started_at=now
    )
    if not taken:
        raise UndoRefused("import.undo_under_way")


def claim_undo(run: ImportRun) -> None:
    """Say an undo is under way (before it is queued): resume and "give orders" then wait."""
    check_undo_import(run)
    _claim_undo(run)


def do_undo_import(run: ImportRun, *, actor, claimed: bool = False) -> dict[str, int]:
    """Remove what the import added; returns the counts (also stored on the run's summary),
    and under "touched" the parties that remain but lost orders or engagements, for the
    caller to refresh."""
    if claimed:
        if run.undone_at is not None:
            raise UndoRefused("import.undone_already")
    else:
        claim_undo(run)
    # Marked undone at the end: an undo that is stopped halfway can simply be run again.
    # One pass over the orders, one over the engagements finds them (the column is not
    # indexed: imports would pay for it on every row); they are then deleted a batch at a time.
    found = list(Order.objects.filter(created_by_run=run).values_list("pk", "party_id"))
    work = list(Engagement.objects.filter(created_by_run=run).values_list("pk", "party_id"))
    touched = {party for _, party in found + work}
    removed_orders = _remove(Order, found)
    removed_engagements = _remove(Engagement, work)
    with transaction.atomic():
        Consent.objects.filter(evidence__import=run.pk).delete()
    removed_parties = _remove_parties_only_it_brought(run)
    remaining = sorted(touched - removed_parties)
    counts = {
        "orders_removed": removed_orders,
        "engagements_removed": removed_engagements,
        "parties_removed": len(removed_parties),
        "orders_left_updated": Order.objects.filter(import_run=run).count(),
        "engagements_left_updated": Engagement.objects.filter(import_run=run).count(),
    }
    with transaction.atomic():
        for chunk in chunked(remaining):
            record_activities(
                activity_row(
                    party_id,
                    "import.undone",
                    actor=actor,
                    data={"file": run.file_name, "import": run.pk},
                )
                for party_id in chunk
            )
        summary = {**run.summary, "undone": counts}
        ImportRun.objects.filter(pk=run.pk).update(
            summary=summary, undone_at=timezone.now(), undone_by=actor, undo_started_at=None
        )
    run.refresh_from_db()
    counts["touched"] = remaining
    return counts


def _remove(model: type[Order] | type[Engagement], found: list[tuple[int, int]]) -> int:
    """Delete the (pk, party) rows a batch at a time; how many went."""
    removed = 0
    for chunk in chunked(found, BATCH):
        with transaction.atomic():
            ids = [pk for pk, _ in chunk]
            if model is Order:
                orders_undone.send(sender=Order, ids=ids)
            deleted = model.objects.filter(pk__in=ids).delete()
            removed += deleted[1].get(model._meta.label, 0)
    return removed


def _remove_parties_only_it_brought(run: ImportRun) -> set[int]:
    """Parties this import created that have nothing left of their own: no order, no
    engagement, not merged with anyone (a merge record keeps its history), and nothing a
    person did to them since (a kind set, an account manager, a consent given on a page)."""
    created = Activity.objects.filter(verb="party.created", data__import=run.pk).values("party_id")
    # What the import itself wrote carries its number; anything else with an actor was a person.
    touched_by_a_person = (
        Activity.objects.filter(party=OuterRef("pk"), actor__isnull=False)
        .exclude(verb="party.created")
        .exclude(data__import=run.pk)
    )
    candidates = list(
        Party.objects.filter(pk__in=created, merged_into__isnull=True)
        .exclude(Exists(Order.objects.filter(party=OuterRef("pk"))))
        .exclude(Exists(Engagement.objects.filter(party=OuterRef("pk"))))
        .exclude(Exists(PartyMerge.objects.filter(survivor=OuterRef("pk"))))
        .exclude(Exists(touched_by_a_person))
        .exclude(relationship__kind_source=KindSource.PERSON)
        .exclude(relationship__owner__isnull=False)
        .values_list("pk", flat=True)
    )
    removed: set[int] = set()
    for chunk in chunked(candidates, BATCH):
        removed |= _delete_unless_kept(chunk)
    return removed


def _delete_unless_kept(party_ids: list[int]) -> set[int]:
    """Delete the parties, but not one another record must keep (a points ledger, which is
    never deleted from): those stay, with what they hold."""
    left = list(party_ids)
    while left:
        try:
            with transaction.atomic():
                Party.objects.filter(pk__in=left).delete()
            return set(left)
        except ProtectedError as refused:
            kept = {getattr(row, "party_id", None) for row in refused.protected_objects}
            if not kept & set(left):
                raise
            left = [pk for pk in left if pk not in kept]
    return set()
