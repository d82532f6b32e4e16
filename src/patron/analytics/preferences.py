"""A party's preferences and behaviour patterns, from its own orders.

The profile holds facts (offerings, a weekday number, a time-of-day code); the product words
them in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from statistics import median

TIMES_OF_DAY = ("morning", "afternoon", "evening", "night")
RHYTHM_MIN_PURCHASE_DAYS = 3  # as lifecycle.StageThresholds: fewer days make no rhythm
HABIT_MIN_PURCHASES = 3  # a usual day, time or channel needs at least this many purchases


@dataclass(frozen=True)
class PurchaseRecord:
    at: dt.datetime  # local time
    amount: float
    currency: str
    channel: str = ""
    discounted: bool = False
    items: tuple[tuple[str, str, float], ...] = ()  # (offering name, category, quantity)


@dataclass
class PreferenceProfile:
    purchases: int
    favourite_offerings: list[tuple[str, float]] = field(default_factory=list)
    favourite_categories: list[tuple[str, float]] = field(default_factory=list)
    typical_amount: float | None = None
    currency: str = ""
    typical_items: float | None = None
    usual_interval_days: float | None = None
    preferred_channel: str | None = None
    preferred_weekday: int | None = None  # 0 = Monday
    preferred_time: str | None = None  # one of TIMES_OF_DAY
    discount_share: float = 0.0


def _time_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


def _usual(counter: Counter, total: int, share: float = 0.4):
    """The most common value, if it accounts for at least `share` of the purchases."""
    if not counter:
        return None
    value, count = counter.most_common(1)[0]
    return value if value not in ("", None) and count / total >= share else None


def preference_profile(purchases: list[PurchaseRecord]) -> PreferenceProfile:
    if not purchases:
        return PreferenceProfile(purchases=0)
    n = len(purchases)
    offerings, categories = Counter(), Counter()
    for purchase in purchases:
        for name, category, quantity in purchase.items:
            offerings[name] += quantity
            if category:
                categories[category] += quantity
    currencies = Counter(p.currency for p in purchases)
    currency = currencies.most_common(1)[0][0]
    amounts = [p.amount for p in purchases if p.currency == currency]
    days = sorted({p.at.date() for p in purchases})
    # Exports that give only a date put every order at midnight: no time of day to learn.
    timed = [p for p in purchases if (p.at.hour, p.at.minute, p.at.second) != (0, 0, 0)]
    profile = PreferenceProfile(
        purchases=n,
        favourite_offerings=offerings.most_common(3),
        favourite_categories=categories.most_common(3),
        typical_amount=median(amounts) if amounts else None,
        currency=currency,
        typical_items=median(sum(q for _, _, q in p.items) for p in purchases) if n else None,
        # The mean gap between purchase days, the same rhythm the lifecycle stage uses.
        usual_interval_days=(days[-1] - days[0]).days / (len(days) - 1)
        if len(days) >= RHYTHM_MIN_PURCHASE_DAYS
        else None,
        preferred_channel=_usual(Counter(p.channel for p in purchases), n)
        if n >= HABIT_MIN_PURCHASES
        else None,
        # A habit needs a few purchases: one Wednesday is not "mostly on Wednesdays".
        preferred_weekday=_usual(Counter(p.at.weekday() for p in purchases), n, 0.35)
        if n >= HABIT_MIN_PURCHASES
        else None,
        preferred_time=_usual(Counter(_time_of_day(p.at.hour) for p in timed), len(timed), 0.5)
        if len(timed) >= HABIT_MIN_PURCHASES
        else None,
        discount_share=sum(p.discounted for p in purchases) / n,
    )
    return profile
