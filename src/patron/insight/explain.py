"""Scores in plain words, and each party's preference profile from its orders."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from patron.analytics import (
    PreferenceProfile,
    PurchaseRecord,
    describe_duration,
    describe_interval,
    preference_profile,
)
from patron.commerce.models import NOT_PURCHASED, Order

from .models import PartyScore

STAGE_ADVICE = {
    "new": "New: welcome them and make the second purchase easy.",
    "active": "Active: keep in touch at their usual rhythm.",
    "at_risk": "At risk: quieter than usual, a personal note or an offer now.",
    "dormant": "Dormant client: normal for clients; a check-in, not a discount.",
    "lost": "Probably lost: only a strong reason will bring them back.",
}


def alive_phrase(p_alive: float) -> str:
    percent = round(100 * p_alive)
    if p_alive >= 0.7:
        return f"probably still active: {percent}%"
    if p_alive >= 0.3:
        return f"may still be active: {percent}%"
    return f"probably no longer active: {percent}%"


def rhythm_phrase(score: PartyScore, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    since = _ago((today - score.last_purchase).days)
    if score.frequency == 0:
        return f"bought once; last bought {since}"
    gap_days = score.recency * 7 / score.frequency
    return f"usually buys {describe_interval(gap_days)}; last bought {since}"


def _ago(days: int) -> str:
    return "today" if days < 1 else f"{describe_duration(days)} ago"


def party_preferences(party_id: int, limit: int = 500) -> PreferenceProfile:
    orders = (
        Order.objects.filter(party_id=party_id)
        .exclude(status__in=NOT_PURCHASED)
        .prefetch_related("lines__offering")
        .order_by("-occurred_at")[:limit]
    )
    purchases = [
        PurchaseRecord(
            at=timezone.localtime(order.occurred_at),
            amount=float(order.amount - order.refunded_amount),
            currency=order.currency,
            channel=order.channel,
            discounted=bool(order.discount_amount or order.discount_code),
            items=tuple(
                (
                    line.name,
                    line.offering.category if line.offering else "",
                    float(line.quantity),
                )
                for line in order.lines.all()
            ),
        )
        for order in orders
    ]
    return preference_profile(purchases)
