"""Customer or client, from each party's orders and engagements: Patron's reading of the
relationship, stored on it (parties.services.do_apply_readings)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from patron.analytics.classify import ClassifyThresholds, PartyFacts, classify, count_occasions
from patron.commerce.bookings import BOOKING_KINDS, took_place
from patron.commerce.models import NOT_PURCHASED, Engagement, OfferingKind, Order
from patron.core.bulk import IN_CHUNK, chunked
from patron.parties.models import Market, Party
from patron.parties.services import Reading, do_apply_readings


def thresholds_from_settings() -> ClassifyThresholds:
    return ClassifyThresholds(**getattr(settings, "PATRON_CLASSIFY", {}))


def party_facts(party_ids: list[int] | None = None) -> dict[int, tuple[PartyFacts, dt.date | None]]:
    """One aggregate query per source of evidence, grouped by party inside the database."""
    now = timezone.now()
    purchases = Order.objects.exclude(status__in=NOT_PURCHASED)
    engagements = _tailored_work(now)
    parties = Party.objects.filter(merged_into__isnull=True)
    if party_ids is not None:
        purchases = purchases.filter(party_id__in=party_ids)
        engagements = engagements.filter(party_id__in=party_ids)
        parties = parties.filter(pk__in=party_ids)
    orders = {
        row["party_id"]: row
        for row in purchases.values("party_id").annotate(n=Count("id"), first=Min("occurred_at"))
    }
    tailored_orders: dict[int, set] = {}
    for party_id, order_id, at in purchases.filter(
        lines__offering__kind=OfferingKind.TAILORED
    ).values_list("party_id", "pk", "occurred_at"):
        tailored_orders.setdefault(party_id, {})[order_id] = at
    work: dict[int, list] = {}
    booked: dict[int, list] = {}
    for party_id, at, kind in engagements.values_list("party_id", "started_at", "kind"):
        work.setdefault(party_id, []).append(at)
        if kind in BOOKING_KINDS:
            booked.setdefault(party_id, []).append(at)
    facts = {}
    for party_id, market, owner_id in parties.values_list("pk", "market", "relationship__owner_id"):
        order = orders.get(party_id)
        paid_for = list(tailored_orders.get(party_id, {}).values())
        tailored_times = paid_for + work.get(party_id, [])
        visits = booked.get(party_id, [])
        starts = [t for t in (order["first"] if order else None, *work.get(party_id, [])) if t]
        first_seen = min(starts) if starts else None
        facts[party_id] = (
            PartyFacts(
                purchases=order["n"] if order else 0,
                tailored_purchases=len(paid_for),
                tailored_occasions=count_occasions([_days(t - now) for t in tailored_times]),
                tailored_first_days_ago=_days(now - min(tailored_times))
                if tailored_times
                else None,
                tailored_last_days_ago=_days(now - max(tailored_times)) if tailored_times else None,
                bookings_kept=len({timezone.localdate(t) for t in visits}),
                bookings_first_days_ago=_days(now - min(visits)) if visits else None,
                bookings_last_days_ago=_days(now - max(visits)) if visits else None,
                tenure_days=_days(now - first_seen) if first_seen else 0.0,
                has_account_manager=owner_id is not None,
                is_business=market == Market.B2B,
            ),
            timezone.localdate(first_seen) if first_seen else None,
        )
    return facts


def _tailored_work(now: dt.datetime) -> QuerySet[Engagement]:
    """Engagements that are evidence of tailored service: those that took place (a cancelled
    booking, a no-show or one still ahead is no service given, and a future time would count
    negative days), except for an offering a person said is a catalogue product. Patron's own
    guess from the name does not count against a booking: a booked time is service."""
    said_catalogue = Q(offering__kind=OfferingKind.CATALOGUE, offering__kind_set_by__isnull=False)
    return Engagement.objects.filter(took_place(now)).exclude(said_catalogue)


def _days(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 86400


def do_classify(party_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Read every given party (all live parties for None), a chunk at a time so memory stays
    flat however many parties an import touched. Returns the kinds Patron chose, counted."""
    thresholds = thresholds_from_settings()
    if party_ids is None:
        party_ids = Party.objects.filter(merged_into__isnull=True).values_list("pk", flat=True)
    ids = sorted(set(party_ids))
    counts: Counter[str] = Counter()
    for chunk in chunked(ids, IN_CHUNK):
        readings = [
            Reading(party_id, result.kind, result.reasons, since)
            for party_id, (facts, since) in party_facts(chunk).items()
            for result in [classify(facts, thresholds)]
        ]
        counts.update(do_apply_readings(readings))
    return dict(counts)
