"""Reads about what Patron knows (scores, stages, readings) that pages, the CLI and the API share.

The words beside a stage come from analytics.read_activity, the same rules that chose the
stage, applied to the numbers the page shows: the two cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, QuerySet, Sum, TextField, When
from django.db.models.functions import Cast
from django.utils import timezone

from patron.analytics import (
    ActivityReading,
    PreferenceProfile,
    PurchaseRecord,
    preference_profile,
    read_activity,
)
from patron.commerce.bookings import parties_booked_ahead
from patron.commerce.models import NOT_PURCHASED, Order
from patron.core.runs import RunStatus, reap_interrupted_runs
from patron.parties.models import Market, Relationship, RelationshipKind

from .models import SLIPPING, PartyScore, ScoringRun, Stage

WEEK_DAYS = 7.0
# The reasons that explain each kind (a customer's list also names signs of a closer
# relationship that were not enough: those are not why it is a customer).
REASONS_FOR = {
    RelationshipKind.CLIENT: (
        "reason.bookings_kept",
        "reason.tailored_repeat",
        "reason.tailored_some",
        "reason.tenure",
        "reason.tailored_share",
        "reason.account_manager",
        "reason.business_reorders",
    ),
    RelationshipKind.CUSTOMER: ("reason.catalogue_only", "reason.not_yet_client"),
}
REASON_CODES = tuple(code for codes in REASONS_FOR.values() for code in codes)


def latest_run() -> ScoringRun | None:
    return ScoringRun.objects.filter(status=RunStatus.DONE).order_by("-pk").first()


def latest_attempt() -> ScoringRun | None:
    """The newest scoring run, whatever its end: a failed one is shown, not hidden."""
    reap_interrupted_runs()
    return ScoringRun.objects.order_by("-pk").first()


def stage_counts_by_kind() -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    rows = (
        PartyScore.objects.filter(party__merged_into__isnull=True)
        .values_list("party__relationship__kind", "stage")
        .annotate(n=Count("pk"))
        .values_list("party__relationship__kind", "stage", "n")
    )
    for kind, stage, n in rows:
        counts.setdefault(kind or RelationshipKind.CUSTOMER, {})[stage] = n
    return counts


def reason_counts() -> dict[str, list[tuple[str, int]]]:
    """How often each reason is given, per kind (customer, client), most frequent first.

    One pass over the relationships: each reason code is looked for in the stored JSON text.
    """
    text = Cast("reasons", TextField())
    found = (
        Relationship.objects.filter(
            party__merged_into__isnull=True,
            kind__in=[RelationshipKind.CUSTOMER, RelationshipKind.CLIENT],
        )
        .annotate(text=text)
        .values("kind")
        .annotate(
            **{
                f"n{i}": Sum(Case(When(text__contains=f'"{code}"', then=1), default=0))
                for i, code in enumerate(REASON_CODES)
            }
        )
    )
    counts: dict[str, list[tuple[str, int]]] = {}
    for row in found:
        ranked = Counter(
            {
                code: row[f"n{i}"] or 0
                for i, code in enumerate(REASON_CODES)
                if code in REASONS_FOR[row["kind"]]
            }
        )
        counts[row["kind"]] = [(code, n) for code, n in ranked.most_common(4) if n]
    return counts


def at_risk(*, stage: str = "", kind: str = "") -> QuerySet[PartyScore]:
    """Parties slipping away, most valuable first; dormant clients need a check-in."""
    scores = PartyScore.objects.filter(
        stage__in=[Stage.AT_RISK, Stage.DORMANT], party__merged_into__isnull=True
    )
    if stage in (Stage.AT_RISK, Stage.DORMANT):
        scores = scores.filter(stage=stage)
    if kind in RelationshipKind.values:
        scores = scores.filter(party__relationship__kind=kind)
    return scores.select_related("party__relationship").order_by("-clv", "pk")


def candidates(*, market: str = "", active_only: bool = False) -> QuerySet[PartyScore]:
    """Customers most worth turning into clients, best first."""
    scores = PartyScore.objects.filter(
        propensity__isnull=False, party__merged_into__isnull=True
    ).exclude(party__relationship__kind=RelationshipKind.CLIENT)
    if market in Market.values:
        scores = scores.filter(party__market=market)
    if active_only:
        scores = scores.filter(stage__in=[Stage.NEW, Stage.ACTIVE])
    return scores.select_related("party").order_by("-propensity", "pk")


def reading_of(score: PartyScore) -> ActivityReading:
    is_client = _relationship_kind(score) == RelationshipKind.CLIENT
    return read_activity(score.frequency, score.recency, score.age, score.p_alive, is_client)


def _relationship_kind(score: PartyScore) -> str:
    relationship = getattr(score.party, "relationship", None)
    return relationship.kind if relationship is not None else RelationshipKind.CUSTOMER


def activity_messages(reading: ActivityReading, *, booked_ahead: bool = False) -> dict[str, Any]:
    """The stage's reason and the facts beside it, as messages. The stage reads purchases;
    for a party slipping away by them but with a booking ahead, the advice is not to win
    them back (outreach leaves them alone the same way)."""
    silent_days = reading.silent * WEEK_DAYS
    reason = {"code": f"stage.{reading.reason}"}
    if reading.reason in ("overdue", "quiet_but_likely"):
        reason.update(gap_days=reading.usual_gap * WEEK_DAYS, silent_days=silent_days)
    elif reading.reason in ("less_likely_active", "unlikely_active"):
        reason.update(percent=round(100 * (reading.chance_active or 0)))
    elif reading.reason in ("single_quiet", "single_long_quiet"):
        reason.update(days=silent_days)
    elif reading.reason == "recent_first":
        reason.update(days=reading.since_first * WEEK_DAYS)
    facts = []
    if reading.chance_active is not None:
        facts.append({"code": "fact.chance_active", "percent": round(100 * reading.chance_active)})
    if reading.usual_gap is not None:
        facts.append({"code": "fact.usual_gap", "days": reading.usual_gap * WEEK_DAYS})
    elif reading.purchase_days == 1:
        facts.append({"code": "fact.bought_once"})
    else:
        facts.append({"code": "fact.no_rhythm", "purchases": reading.purchase_days})
    facts.append({"code": "fact.last_bought", "days": silent_days})
    if booked_ahead and reading.stage in SLIPPING:
        advice = {"code": "advice.booked_ahead"}
    else:
        advice = _advice(reading)
    return {"reason": reason, "facts": facts, "advice": advice}


def _advice(reading: ActivityReading) -> dict[str, Any]:
    return {"code": f"advice.{reading.stage}"}


@dataclass
class PartyInsight:
    score: PartyScore | None
    run: ScoringRun | None = None  # the run that wrote the score (the latest done)
    reading: ActivityReading | None = None
    activity: dict[str, Any] = field(default_factory=dict)
    preferences: PreferenceProfile | None = None


def party_insight(party) -> PartyInsight:
    score = PartyScore.objects.filter(party=party).select_related("party__relationship").first()
    insight = PartyInsight(score=score, preferences=party_preferences(party.pk))
    if score is not None:
        insight.run = latest_run()
        insight.reading = reading_of(score)
        booked = party.pk in parties_booked_ahead([party.pk], timezone.now())
        insight.activity = activity_messages(insight.reading, booked_ahead=booked)
    return insight


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


def preference_messages(profile: PreferenceProfile | None) -> list[dict[str, Any]]:
    """A party's habits as messages, one line each."""
    if profile is None or profile.purchases == 0:
        return [{"code": "pref.none"}]
    lines: list[dict[str, Any]] = []
    if profile.favourite_offerings:
        names = [name for name, _ in profile.favourite_offerings[:2]]
        lines.append({"code": "pref.offerings", "names": names})
    if profile.usual_interval_days:
        lines.append({"code": "pref.interval", "days": profile.usual_interval_days})
    if profile.preferred_channel:
        lines.append({"code": "pref.channel", "channel": profile.preferred_channel})
    if profile.preferred_weekday is not None:
        lines.append({"code": "pref.weekday", "weekday": profile.preferred_weekday})
    if profile.preferred_time:
        lines.append({"code": "pref.time", "time": profile.preferred_time})
    if profile.typical_amount is not None:
        lines.append(
            {"code": "pref.basket", "amount": profile.typical_amount, "currency": profile.currency}
        )
    if profile.purchases >= 3:
        lines.append({"code": "pref.discount", "percent": round(100 * profile.discount_share)})
    return lines
