"""Customer or client? A rule-based reading of a party's history, with the reasons.

The source article's distinction: a *customer* buys off-the-shelf products in single
transactions; a *client* relies on ongoing, tailored service, may stay dormant for months,
and is kept by an account manager and trust. Each piece of evidence adds points; each reason
is a message (a code and its numbers) that the product words in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClassifyThresholds:
    """The rules' knobs; a business tunes them (settings PATRON_CLASSIFY_*)."""

    client_points: int = 3  # points at or above which a party is a client
    repeat_tailored: int = 2  # tailored engagements that make a repeat relationship
    repeat_span_days: int = 180  # ... when spread over at least this many days
    repeat_bookings: int = 3  # booked appointments that took place, on this many days ...
    repeat_bookings_span_days: int = 60  # ... over at least this many: a regular
    tailored_share: float = 0.5  # share of purchases that included tailored work
    tenure_days: int = 365  # a relationship this old with tailored work is a long one
    b2b_repeat_orders: int = 3  # a business that reorders this often is an account


# A tailored order and the appointment or project it paid for are one piece of work: tailored
# orders and engagements within this many days of each other count as one occasion.
OCCASION_DAYS = 7.0


def count_occasions(days: list[float], within: float = OCCASION_DAYS) -> int:
    """Distinct occasions among times (in days): a time within `within` days of the previous
    one belongs to the same occasion."""
    occasions, last = 0, None
    for day in sorted(days):
        if last is None or day - last > within:
            occasions += 1
        last = day
    return occasions


@dataclass(frozen=True)
class PartyFacts:
    purchases: int = 0  # orders that were not cancelled or failed
    tailored_purchases: int = 0  # of which included tailored work
    tailored_occasions: int = 0  # tailored work (orders, appointments, projects), each once
    tailored_first_days_ago: float | None = None  # first tailored work, days before today
    tailored_last_days_ago: float | None = None
    # Booked appointments that took place (not cancelled, not missed, not still ahead),
    # counted by day: a weekly regular's visits are each one, not one run-on occasion.
    bookings_kept: int = 0
    bookings_first_days_ago: float | None = None
    bookings_last_days_ago: float | None = None
    tenure_days: float = 0.0  # since the first purchase or engagement
    has_account_manager: bool = False
    is_business: bool = False


@dataclass(frozen=True)
class Classification:
    kind: str  # "client" or "customer"
    points: int
    # Reasons as messages: a code and its numbers, worded by the product in the reader's
    # language, e.g. {"code": "reason.tailored_repeat", "times": 4, "days": 396}.
    reasons: list[dict] = field(default_factory=list)


def classify(facts: PartyFacts, thresholds: ClassifyThresholds | None = None) -> Classification:
    t = thresholds or ClassifyThresholds()
    points = 0
    reasons: list[dict] = []
    tailored = facts.tailored_occasions
    if tailored:
        span = (facts.tailored_first_days_ago or 0) - (facts.tailored_last_days_ago or 0)
        booked_span = (facts.bookings_first_days_ago or 0) - (facts.bookings_last_days_ago or 0)
        # A regular who keeps booking tailored service relies on it: a client. Said as
        # bookings when those are the evidence (the same visits are the tailored work below).
        if facts.bookings_kept >= t.repeat_bookings and booked_span >= t.repeat_bookings_span_days:
            points += 3
            reasons.append(
                {
                    "code": "reason.bookings_kept",
                    "times": facts.bookings_kept,
                    "days": round(booked_span),
                }
            )
        elif tailored >= t.repeat_tailored and span >= t.repeat_span_days:
            points += 3
            reasons.append(
                {"code": "reason.tailored_repeat", "times": tailored, "days": round(span)}
            )
        else:
            points += 1
            reasons.append({"code": "reason.tailored_some", "times": tailored})
        if facts.tenure_days >= t.tenure_days:
            points += 1
            reasons.append({"code": "reason.tenure", "days": round(facts.tenure_days)})
    # A share of purchases, not of spend: a party's orders can be in several currencies.
    if facts.purchases and facts.tailored_purchases / facts.purchases >= t.tailored_share:
        points += 1
        share = round(100 * facts.tailored_purchases / facts.purchases)
        reasons.append({"code": "reason.tailored_share", "percent": share})
    if facts.has_account_manager:
        points += 3
        reasons.append({"code": "reason.account_manager"})
    if facts.is_business and facts.purchases >= t.b2b_repeat_orders:
        points += 2
        reasons.append({"code": "reason.business_reorders", "orders": facts.purchases})
    if points >= t.client_points:
        return Classification("client", points, reasons)
    # A customer's reasons say why it is a customer; signs of a closer relationship follow.
    if points:
        reasons.insert(
            0, {"code": "reason.not_yet_client", "points": points, "needed": t.client_points}
        )
    else:
        reasons.insert(0, {"code": "reason.catalogue_only", "purchases": facts.purchases})
    return Classification("customer", points, reasons)
