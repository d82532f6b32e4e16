"""Segments: a saved filter over parties, turned into one SQL query.

Every filter is a column test or an EXISTS over an indexed table, so counting a segment is
the database's own COUNT of the same conditions (bench/segments.py measures it against that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from patron.commerce.bookings import booked_ahead
from patron.commerce.models import NOT_PURCHASED, OrderLine
from patron.core.problems import Problem
from patron.insight.models import SLIPPING, Stage
from patron.parties.models import Channel, Consent, Party, Purpose, RelationshipKind
from patron.parties.queries import live_parties

MAX_DAYS = 36_500  # a hundred years
MAX_VALUE = 1e12


class SegmentRefused(Problem):
    """A filter Patron cannot read: which one and why."""


FILTERS = (
    "kind",
    "stage",
    "min_value",
    "max_value",
    "bought_since",
    "quiet_days",
    "offerings",
    "consent",
    "reachable",
    "locale",
)


@dataclass(frozen=True)
class ExtraFilter:
    """A filter an app above outreach adds (patron.loyalty: the member grade): how its value
    is checked (SegmentRefused when it cannot be read) and the condition over parties."""

    check: Callable[[Any], Any]
    condition: Callable[[Any], Q]


_EXTRA_FILTERS: dict[str, ExtraFilter] = {}


def register_filter(name: str, check: Callable[[Any], Any], condition: Callable[[Any], Q]) -> None:
    _EXTRA_FILTERS[name] = ExtraFilter(check, condition)


def check_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """The filters cleaned, or SegmentRefused naming the filter and why."""
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if value in (None, "", []):
            continue
        if name not in FILTERS and name not in _EXTRA_FILTERS:
            raise SegmentRefused("segment.unknown_filter", filter=str(name)[:40])
        clean[name] = _check_one(name, value)
    low, high = clean.get("min_value"), clean.get("max_value")
    if low is not None and high is not None and low > high:
        # Nobody could match: said, rather than saved as a segment of no one.
        raise SegmentRefused("segment.min_above_max", low=low, high=high)
    return clean


def _choices(name: str, value: Any, allowed: list[str]) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    for item in values:
        if item not in allowed:
            raise SegmentRefused("segment.bad_choice", filter=name, value=str(item)[:40])
    return values


def _check_one(name: str, value: Any) -> Any:
    if name in _EXTRA_FILTERS:
        return _EXTRA_FILTERS[name].check(value)
    if name == "kind":
        return _choices(name, value, list(RelationshipKind.values))
    if name == "stage":
        return _choices(name, value, list(Stage.values))
    if name == "consent":
        return _choices(name, value, [Purpose.MARKETING, Purpose.NEWSLETTER, Purpose.SURVEYS])
    if name == "reachable":
        return _choices(name, value, [Channel.EMAIL, Channel.SMS])
    if name == "locale":
        return _choices(name, value, ["ko", "en", ""])
    if name == "offerings":
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError) as exc:
            raise SegmentRefused("segment.not_a_number", filter=name) from exc
    if name == "bought_since":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise SegmentRefused("segment.not_a_date", filter=name, value=str(value)[:40]) from exc
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise SegmentRefused("segment.not_a_number", filter=name) from exc
    if number < 0:
        raise SegmentRefused("segment.negative", filter=name)
    ceiling = MAX_DAYS if name == "quiet_days" else MAX_VALUE
    if not number <= ceiling:  # also refuses NaN
        raise SegmentRefused("segment.too_large", filter=name, most=ceiling)
    return int(number) if name == "quiet_days" else number


def segment_parties(filters: dict[str, Any], *, today: dt.date | None = None) -> QuerySet[Party]:
    """The live parties the (checked) filters describe."""
    parties = live_parties()
    condition = Q()
    if "kind" in filters:
        condition &= Q(relationship__kind__in=filters["kind"])
    # A party with a booking ahead is not slipping away nor quiet, whatever its purchases say:
    # a "we miss you" segment leaves it out.
    coming = Q(booked_ahead(timezone.now()))
    if "stage" in filters:
        slipping = [stage for stage in filters["stage"] if stage in SLIPPING]
        others = [stage for stage in filters["stage"] if stage not in SLIPPING]
        condition &= Q(score__stage__in=others) | (Q(score__stage__in=slipping) & ~coming)
    if "min_value" in filters:
        condition &= Q(score__clv__gte=filters["min_value"])
    if "max_value" in filters:
        condition &= Q(score__clv__lte=filters["max_value"])
    if "bought_since" in filters:
        condition &= Q(score__last_purchase__gte=filters["bought_since"])
    if "quiet_days" in filters:
        cutoff = (today or dt.date.today()) - dt.timedelta(days=filters["quiet_days"])
        condition &= Q(score__last_purchase__lt=cutoff) & ~coming
    if "locale" in filters:
        condition &= Q(locale__in=filters["locale"])
    for channel in filters.get("reachable", ()):
        condition &= ~Q(email="") if channel == Channel.EMAIL else ~Q(phone="")
    parties = parties.filter(condition)
    if "offerings" in filters:
        parties = parties.filter(Exists(_bought(filters["offerings"])))
    for purpose in filters.get("consent", ()):
        parties = parties.filter(Exists(consented(purpose)))
    for name, extra in _EXTRA_FILTERS.items():
        if name in filters:
            parties = parties.filter(extra.condition(filters[name]))
    return parties


def _bought(offerings: list[int]) -> QuerySet:
    return OrderLine.objects.filter(order__party=OuterRef("pk"), offering_id__in=offerings).exclude(
        order__status__in=NOT_PURCHASED
    )


def consented(purpose: str, channel: str = "") -> QuerySet:
    """A "yes" in force (on this channel, or on some channel): the newest decision for
    (party, channel, purpose) is a grant (a later "no" on the same channel cancels it)."""
    newer_decision = Consent.objects.filter(
        party=OuterRef("party"),
        channel=OuterRef("channel"),
        purpose=purpose,
        recorded_at__gt=OuterRef("recorded_at"),
    )
    grants = Consent.objects.filter(party=OuterRef("pk"), purpose=purpose, granted=True)
    if channel:
        grants = grants.filter(channel=channel)
    return grants.exclude(Exists(newer_decision))
