"""A party's preferences and behaviour patterns, from its own orders, in plain words."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from statistics import median

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
    preferred_weekday: str | None = None
    preferred_time: str | None = None  # morning, afternoon, evening, night
    discount_share: float = 0.0
    summary: str = ""


def _time_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


def _usual(counter: Counter, total: int, share: float = 0.4) -> str | None:
    """The most common value, if it accounts for at least `share` of the purchases."""
    if not counter:
        return None
    value, count = counter.most_common(1)[0]
    return value if value and count / total >= share else None


def preference_profile(purchases: list[PurchaseRecord]) -> PreferenceProfile:
    if not purchases:
        return PreferenceProfile(purchases=0, summary="No purchases yet.")
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
    profile = PreferenceProfile(
        purchases=n,
        favourite_offerings=offerings.most_common(3),
        favourite_categories=categories.most_common(3),
        typical_amount=median(amounts) if amounts else None,
        currency=currency,
        typical_items=median(sum(q for _, _, q in p.items) for p in purchases) if n else None,
        # The mean gap between purchase days, the same rhythm the lifecycle stage uses.
        usual_interval_days=(days[-1] - days[0]).days / (len(days) - 1) if len(days) > 1 else None,
        preferred_channel=_usual(Counter(p.channel for p in purchases), n),
        preferred_weekday=_usual(Counter(WEEKDAYS[p.at.weekday()] for p in purchases), n, 0.35),
        preferred_time=_usual(Counter(_time_of_day(p.at.hour) for p in purchases), n, 0.5),
        discount_share=sum(p.discounted for p in purchases) / n,
    )
    profile.summary = describe(profile)
    return profile


def describe_duration(days: float) -> str:
    """A span of days as people say it: "12 days", "6 weeks", "3 months", "2 years"."""
    if days < 14:
        return "1 day" if round(days) == 1 else f"{round(days)} days"
    if days < 61:
        return f"{round(days / 7)} weeks"
    if days < 730:
        return f"{round(days / 30.44)} months"
    return f"{round(days / 365.25)} years"


def describe_interval(days: float) -> str:
    return f"every {describe_duration(days)}"


def describe(profile: PreferenceProfile) -> str:
    if profile.purchases == 0:
        return "No purchases yet."
    parts = []
    if profile.favourite_offerings:
        names = [name for name, _ in profile.favourite_offerings[:2]]
        parts.append("Usually buys " + " and ".join(names))
    if profile.usual_interval_days:
        parts.append(f"about {describe_interval(profile.usual_interval_days)}")
    where_when = []
    if profile.preferred_channel:
        where_when.append(f"through {profile.preferred_channel}")
    if profile.preferred_weekday:
        where_when.append(f"on {profile.preferred_weekday}s")
    if profile.preferred_time:
        where_when.append(f"in the {profile.preferred_time}")
    if where_when:
        parts.append("mostly " + " ".join(where_when))
    sentence = (", ".join(parts) or f"{profile.purchases} purchase(s)") + "."
    if profile.typical_amount is not None:
        sentence += f" Typical basket: {profile.typical_amount:,.0f} {profile.currency}."
    if profile.purchases >= 3:
        share = round(100 * profile.discount_share)
        if share >= 50:
            sentence += f" Price-sensitive: {share}% of purchases used a discount."
        elif share == 0:
            sentence += " Never used a discount."
        else:
            sentence += f" Used a discount on {share}% of purchases."
    return sentence
