"""A party's timeline: orders, engagements and activities, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from patron.commerce.models import Engagement, Order
from patron.parties.models import Activity, Party


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    kind: str  # order | engagement | activity
    title: str
    detail: str
    amount: object = None
    currency: str = ""
    status: str = ""


def party_timeline(party: Party, limit: int = 100) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            order.occurred_at,
            "order",
            f"{order.source} {order.external_id}",
            ", ".join(f"{line.name} × {line.quantity.normalize()}" for line in order.lines.all()),
            order.amount,
            order.currency,
            order.get_status_display(),
        )
        for order in Order.objects.filter(party=party)
        .prefetch_related("lines")
        .order_by("-occurred_at")[:limit]
    ]
    entries += [
        TimelineEntry(
            e.started_at, "engagement", e.title, e.get_kind_display(), e.amount, e.currency
        )
        for e in Engagement.objects.filter(party=party).order_by("-started_at")[:limit]
    ]
    entries += [
        TimelineEntry(a.occurred_at, "activity", a.verb, a.summary)
        for a in Activity.objects.filter(party=party).order_by("-occurred_at")[:limit]
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
