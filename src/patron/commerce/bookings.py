"""What became of engagements: which took place, which are still ahead, and a party's bookings
as its page shows them (the next one, and how often they did not come).

One reading for every app: classification counts only engagements that took place, outreach
leaves alone a party with a booking ahead, and the page shows each engagement's state the same
way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from .models import NOT_SERVED, Engagement, EngagementKind, EngagementStatus

# The engagements one books a time for: a project is not a booking, and has no no-show.
BOOKING_KINDS = (EngagementKind.APPOINTMENT, EngagementKind.CONSULTATION)
# A no-show pattern is read from this many of a party's latest bookings.
RECENT_BOOKINGS = 5


def took_place(now: dt.datetime) -> Q:
    """Engagements that took place by ``now``: neither cancelled nor missed, and their time has
    come. A booking export may say only 확정 (confirmed) of a booking that has since happened,
    so a booked engagement whose time has passed counts as taken place."""
    return Q(started_at__lte=now) & ~Q(status__in=NOT_SERVED)


def ahead(now: dt.datetime) -> Q:
    """Bookings still to come: confirmed, and later than ``now``."""
    return Q(status=EngagementStatus.BOOKED, started_at__gt=now)


def booked_ahead(now: dt.datetime, party: str = "pk") -> Exists:
    """For a query over parties (or over rows with a ``party`` column: ``party="party"``): the
    party has a booking still to come."""
    return Exists(Engagement.objects.filter(ahead(now), party=OuterRef(party)))


def parties_booked_ahead(party_ids: list[int], now: dt.datetime) -> set[int]:
    """Which of the given parties (a page's worth) have a booking still to come."""
    found = Engagement.objects.filter(ahead(now), party_id__in=party_ids)
    return set(found.values_list("party_id", flat=True))


def state_at(status: str, started_at: dt.datetime, now: dt.datetime) -> str:
    """The state a page shows: a booking whose time has passed took place (see took_place)."""
    if status == EngagementStatus.BOOKED and started_at <= now:
        return EngagementStatus.DONE
    return status


@dataclass(frozen=True)
class PartyBookings:
    next: Engagement | None  # the next booking still to come
    no_shows: dict[str, Any] | None  # a message: how often they did not come, or None


def party_bookings(party, now: dt.datetime) -> PartyBookings:
    """The party's next booking, and its no-show pattern when it has missed at least one of
    its latest bookings (RECENT_BOOKINGS of them, cancelled ones included: a booking is a
    booking)."""
    upcoming = (
        Engagement.objects.filter(ahead(now), party=party)
        .select_related("offering")
        .order_by("started_at", "pk")
        .first()
    )
    past = Engagement.objects.filter(party=party, kind__in=BOOKING_KINDS, started_at__lte=now)
    # One more than the window: whether there were bookings before it.
    latest = past.order_by("-started_at", "-pk").values_list("status", flat=True)
    latest = list(latest[: RECENT_BOOKINGS + 1])
    recent = latest[:RECENT_BOOKINGS]
    missed = sum(1 for status in recent if status == EngagementStatus.NO_SHOW)
    pattern = None
    if missed:
        # All their bookings when they have no more than the window: "in 3 bookings so far".
        code = "booking.no_shows_all" if len(latest) <= RECENT_BOOKINGS else "booking.no_shows"
        pattern = {"code": code, "no_shows": missed, "bookings": len(recent)}
    return PartyBookings(next=upcoming, no_shows=pattern)
