"""Undoing an import: the orders it added and the parties only it brought in are removed.

Orders the file updated (they were there before) stay as the file left them: Patron keeps no
earlier version of an order to go back to, and the undo says how many those are. The work is
done in batches, one transaction each, so no lock is held longer than a batch.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from patron.core.bulk import chunked
from patron.core.problems import Problem
from patron.core.runs import RunStatus
from patron.parties.activity import activity_row, record_activities
from patron.parties.models import Activity, Consent, Party, PartyMerge

from .models import Engagement, ImportRun, Order

BATCH = 2000


class UndoRefused(Problem):
    """An import that cannot be undone."""


def check_undo_import(run: ImportRun) -> None:
    if run.dry_run:
        raise UndoRefused("import.undo_preview")
    if run.undone_at is not None:
        raise UndoRefused("import.undone_already")
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise UndoRefused("import.undo_running")


def do_undo_import(run: ImportRun, *, actor) -> dict[str, int]:
    """Remove what the import added; returns the counts (also stored on the run's summary),
    and under "touched" the parties that remain but lost orders, for the caller to refresh."""
    check_undo_import(run)
    # Marked undone at the end: an undo that is stopped halfway can simply be run again.
    orders = Order.objects.filter(created_by_run=run)
    touched: set[int] = set()
    removed_orders = 0
    while ids := list(orders.values_list("pk", "party_id")[:BATCH]):
        with transaction.atomic():
            removed_orders += (
                Order.objects.filter(pk__in=[pk for pk, _ in ids])
                .delete()[1]
                .get("commerce.Order", 0)
            )
        touched.update(party for _, party in ids)
    with transaction.atomic():
        Consent.objects.filter(evidence__import=run.pk).delete()
    removed_parties = _remove_parties_only_it_brought(run)
    remaining = sorted(touched - removed_parties)
    updated = Order.objects.filter(import_run=run).count()
    counts = {
        "orders_removed": removed_orders,
        "parties_removed": len(removed_parties),
        "orders_left_updated": updated,
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
            summary=summary, undone_at=timezone.now(), undone_by=actor
        )
    run.refresh_from_db()
    counts["touched"] = remaining
    return counts


def _remove_parties_only_it_brought(run: ImportRun) -> set[int]:
    """Parties this import created that have nothing left of their own: no order, no
    engagement, not merged with anyone (a merge record keeps its history)."""
    created = Activity.objects.filter(verb="party.created", data__import=run.pk).values("party_id")
    candidates = (
        Party.objects.filter(pk__in=created, merged_into__isnull=True)
        .exclude(Exists(Order.objects.filter(party=OuterRef("pk"))))
        .exclude(Exists(Engagement.objects.filter(party=OuterRef("pk"))))
        .exclude(Exists(PartyMerge.objects.filter(survivor=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    removed: set[int] = set()
    while ids := list(candidates[:BATCH]):
        with transaction.atomic():
            Party.objects.filter(pk__in=ids).delete()
        removed.update(ids)
    return removed
