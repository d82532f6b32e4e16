"""Reads about orders, imports and offerings that pages, the CLI and the API share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from patron.core.runs import RunStatus, reap_interrupted_runs
from patron.parties.models import Activity, Party

from .bookings import state_at, took_place
from .models import (
    NOT_PURCHASED,
    Engagement,
    EngagementStatus,
    ImportRun,
    Offering,
    OfferingKind,
    Order,
    OrderLine,
)


def recent_imports(limit: int = 10) -> QuerySet[ImportRun]:
    reap_interrupted_runs()
    return ImportRun.objects.filter(dry_run=False).select_related("user").order_by("-pk")[:limit]


def known_sources() -> list[str]:
    """The systems earlier files came from, to offer when naming a new file's source."""
    return sorted(set(ImportRun.objects.exclude(source="").values_list("source", flat=True)))


def import_in_progress() -> bool:
    return ImportRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()


# -- offerings ---------------------------------------------------------------------------------


def offerings(query: str = "", kind: str = "") -> QuerySet[Offering]:
    found = Offering.objects.select_related("kind_set_by").order_by("name", "sku")
    query = query.strip()[:100]
    if query:
        found = found.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    if kind in OfferingKind.values:
        found = found.filter(kind=kind)
    return found


def offering_usage(offering_ids: list[int]) -> dict[int, dict[str, int]]:
    """Orders and parties per offering, for the offerings on one page only."""
    usage = {pk: {"orders": 0, "parties": 0} for pk in offering_ids}
    rows = (
        OrderLine.objects.filter(offering_id__in=offering_ids)
        .values("offering_id")
        .annotate(
            orders=Count("order", distinct=True), parties=Count("order__party", distinct=True)
        )
    )
    for row in rows:
        usage[row["offering_id"]] = {"orders": row["orders"], "parties": row["parties"]}
    return usage


def parties_of_offering(offering: Offering) -> QuerySet:
    """Ids of the parties whose classification depends on this offering."""
    ordered = OrderLine.objects.filter(offering=offering).values("order__party_id")
    engaged = Engagement.objects.filter(offering=offering).values("party_id")
    return Party.objects.filter(Q(pk__in=ordered) | Q(pk__in=engaged)).values_list("pk", flat=True)


# -- a party's history ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyHistory:
    purchases: int
    first_purchase: dt.datetime | None
    last_purchase: dt.datetime | None
    engagements: int
    first_engagement: dt.datetime | None

    @property
    def known_since(self) -> dt.datetime | None:
        starts = [t for t in (self.first_purchase, self.first_engagement) if t is not None]
        return min(starts) if starts else None


def party_history(party: Party) -> PartyHistory:
    orders = (
        Order.objects.filter(party=party)
        .exclude(status__in=NOT_PURCHASED)
        .aggregate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
    )
    # Known since the first engagement that took place: a booking still ahead would date
    # the relationship in the future, and one never kept did not start it.
    work = Engagement.objects.filter(party=party).aggregate(
        n=Count("id"), first=Min("started_at", filter=took_place(timezone.now()))
    )
    return PartyHistory(orders["n"], orders["first"], orders["last"], work["n"], work["first"])


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # order | engagement | activity
    title: str = ""  # data (an order's number, an engagement's title)
    source: str = ""  # where an order came from (commerce.wording.source_label)
    message: dict[str, Any] | None = None  # for activities: worded when shown
    lines: list[tuple[str, Any]] = field(default_factory=list)  # (name, quantity)
    amount: Any = None
    currency: str = ""
    status: str = ""
    label: str = ""  # a translated label (engagement kind)
    actor: Any = None
    state: str = ""  # an engagement's state (bookings.state_at): done, booked, cancelled, ...
    state_label: str = ""


def party_timeline(party: Party, limit: int = 100) -> list[TimelineEntry]:
    """Orders, engagements (with their state) and timeline entries, newest first."""
    now = timezone.now()
    entries = [
        TimelineEntry(
            at=order.occurred_at,
            kind="order",
            title=order.external_id,
            source=order.source,
            lines=[(line.name, line.quantity) for line in order.lines.all()],
            amount=order.amount,
            currency=order.currency,
            status=order.status,
            label=order.get_status_display(),
        )
        for order in Order.objects.filter(party=party)
        .prefetch_related("lines")
        .order_by("-occurred_at")[:limit]
    ]
    entries += [
        TimelineEntry(
            at=e.started_at,
            kind="engagement",
            title=e.title,
            amount=e.amount,
            currency=e.currency,
            label=e.get_kind_display(),
            state=(state := state_at(e.status, e.started_at, now)),
            state_label=EngagementStatus(state).label,
        )
        for e in Engagement.objects.filter(party=party).order_by("-started_at")[:limit]
    ]
    entries += [
        TimelineEntry(
            at=a.occurred_at,
            kind="activity",
            message={"code": f"activity.{a.verb}", **a.data},
            actor=a.actor,
        )
        for a in Activity.objects.filter(party=party)
        .select_related("actor")
        .order_by("-occurred_at")[:limit]
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
