"""Customer or client? A rule-based reading of a party's history, with the reasons.

The source article's distinction: a *customer* buys off-the-shelf products in single
transactions; a *client* relies on ongoing, tailored service, may stay dormant for months,
and is kept by an account manager and trust. Each piece of evidence adds points; the reasons
say, in a business owner's words, what was seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClassifyThresholds:
    """The rules' knobs; a business tunes them (settings PATRON_CLASSIFY_*)."""

    client_points: int = 3  # points at or above which a party is a client
    repeat_tailored: int = 2  # tailored engagements that make a repeat relationship
    repeat_span_days: int = 180  # ... when spread over at least this many days
    tailored_share: float = 0.5  # share of purchases that included tailored work
    tenure_days: int = 365  # a relationship this old with tailored work is a long one
    b2b_repeat_orders: int = 3  # a business that reorders this often is an account


@dataclass(frozen=True)
class PartyFacts:
    purchases: int = 0  # orders that were not cancelled or failed
    tailored_purchases: int = 0  # of which included tailored work
    engagements: int = 0  # appointments, projects, consultations
    tailored_first_days_ago: float | None = None  # first tailored work, days before today
    tailored_last_days_ago: float | None = None
    tenure_days: float = 0.0  # since the first purchase or engagement
    has_account_manager: bool = False
    is_business: bool = False


@dataclass(frozen=True)
class Classification:
    kind: str  # "client" or "customer"
    points: int
    reasons: list[str] = field(default_factory=list)


def classify(facts: PartyFacts, thresholds: ClassifyThresholds | None = None) -> Classification:
    t = thresholds or ClassifyThresholds()
    points = 0
    reasons: list[str] = []
    tailored = facts.engagements + facts.tailored_purchases
    if tailored:
        span = (facts.tailored_first_days_ago or 0) - (facts.tailored_last_days_ago or 0)
        if tailored >= t.repeat_tailored and span >= t.repeat_span_days:
            points += 3
            reasons.append(f"came back for tailored work {tailored} times over {_months(span)}")
        else:
            points += 1
            reasons.append(f"had tailored work done ({_times(tailored)})")
        if facts.tenure_days >= t.tenure_days:
            points += 1
            reasons.append(f"has been with the business for {_months(facts.tenure_days)}")
    # A share of purchases, not of spend: a party's orders can be in several currencies.
    if facts.purchases and facts.tailored_purchases / facts.purchases >= t.tailored_share:
        points += 1
        share = round(100 * facts.tailored_purchases / facts.purchases)
        reasons.append(f"{share}% of purchases included tailored services")
    if facts.has_account_manager:
        points += 3
        reasons.append("has a dedicated account manager")
    if facts.is_business and facts.purchases >= t.b2b_repeat_orders:
        points += 2
        reasons.append(f"a business that has ordered {facts.purchases} times")
    if points >= t.client_points:
        return Classification("client", points, reasons)
    if not tailored:
        reasons.insert(0, _catalogue_reason(facts.purchases))
    return Classification("customer", points, reasons)


def _catalogue_reason(purchases: int) -> str:
    if purchases == 0:
        return "no purchases or tailored work yet"
    if purchases == 1:
        return "one purchase of catalogue products"
    return f"{purchases} purchases, all of catalogue products"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _months(days: float) -> str:
    months = round(days / 30.44)
    if months < 1:
        return "less than a month"
    if months < 24:
        return "1 month" if months == 1 else f"{months} months"
    return f"{months // 12} years"
