"""Next best action: for a party slipping away or worth turning into a client, what to do.

The rules follow the source article: a client is kept by people (a personal call from the
account manager, never a discount first); a valuable customer slipping away gets a tailored
offer; a low-value one a short survey (ask why before spending on them); a customer who looks
like a client in the making is invited into the relationship personally. A party with a
booking ahead is not slipping away, whatever its purchases say: nobody calls to win back
someone who is coming next week.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from patron.commerce.bookings import ahead, booked_ahead
from patron.commerce.models import Engagement
from patron.insight.models import SLIPPING, PartyScore, Stage
from patron.insight.queries import at_risk, candidates
from patron.parties.models import RelationshipKind

CANDIDATE_PROPENSITY = 0.5  # a conversion candidate worth a personal invitation


@dataclass(frozen=True)
class NextAction:
    score: PartyScore
    action: dict  # {"code": "nba.call", ...}: what, with the numbers that explain why

    @property
    def party(self):
        return self.score.party


def action_for(
    score: PartyScore, value_line: float, *, booked_in_days: float | None = None
) -> dict | None:
    """What to do for the scored party; ``booked_in_days``: how soon its next booking is, if
    it has one ahead (then no win-back, and the page says why)."""
    kind = getattr(getattr(score.party, "relationship", None), "kind", "")
    base = {"stage": score.stage, "days": score.quiet_days, "value": round(score.clv)}
    if score.stage in SLIPPING and booked_in_days is not None:
        return {"code": "nba.booked_ahead", "stage": score.stage, "in_days": booked_in_days}
    if score.stage in SLIPPING:
        if kind == RelationshipKind.CLIENT:
            return {"code": "nba.call", **base}
        if score.stage == Stage.LOST:
            return {"code": "nba.survey", **base}
        if score.clv >= value_line:
            return {"code": "nba.tailored_offer", **base}
        return {"code": "nba.check_in", **base}
    if (
        kind != RelationshipKind.CLIENT
        and score.propensity is not None
        and score.propensity >= CANDIDATE_PROPENSITY
    ):
        return {"code": "nba.invite", "chance": round(score.propensity, 2), **base}
    return None


def value_line() -> float:
    """The 12-month value above which a customer slipping away is worth a tailored offer:
    the upper quartile of everyone's."""
    scores = PartyScore.objects.order_by("clv").values_list("clv", flat=True)
    count = scores.count()
    return float(scores[count * 3 // 4]) if count else 0.0


HANDLED_DAYS = 30  # an action done is not proposed again for this long
PER_KIND = 5  # at most this many of one kind of action: the list stays varied


def handled_parties(today) -> set[int]:
    """Parties whose next best action someone did lately or put off (Today's buttons)."""
    from patron.outreach.models import Task, TaskStatus

    recent = today - dt.timedelta(days=HANDLED_DAYS)
    done = Q(status=TaskStatus.DONE, done_at__date__gte=recent)
    put_off = Q(status=TaskStatus.OPEN, snoozed_until__gt=today)
    rows = Task.objects.filter(done | put_off, dedupe_key__startswith="nba:")
    return set(rows.values_list("party_id", flat=True))


def next_actions(*, owner=None, limit: int = 20) -> list[NextAction]:
    """The most valuable parties needing an action first, at most PER_KIND of each kind of
    action, leaving out those someone just handled; only the owner's parties when an account
    manager is given (with the parties nobody manages, for owners)."""
    line = value_line()
    slipping = at_risk().exclude(booked_ahead(timezone.now(), party="party"))
    rising = candidates(active_only=True).filter(propensity__gte=CANDIDATE_PROPENSITY)
    if owner is not None:
        mine = Q(party__relationship__owner=owner)
        slipping, rising = slipping.filter(mine), rising.filter(mine)
    handled = handled_parties(timezone.localdate())
    found: list[NextAction] = []
    for score in [*slipping[: limit * 3], *rising[: limit * 3]]:
        if score.party_id in handled:
            continue
        action = action_for(score, line)
        if action is not None:
            found.append(NextAction(score, action))
    found.sort(key=lambda item: -item.score.clv)
    per_kind: Counter = Counter()
    varied = []
    for item in found:
        per_kind[item.action["code"]] += 1
        if per_kind[item.action["code"]] <= PER_KIND:
            varied.append(item)
    return varied[:limit]


def party_action(party) -> dict | None:
    score = PartyScore.objects.filter(party=party).select_related("party__relationship").first()
    if score is None:
        return None
    now = timezone.now()
    booking = Engagement.objects.filter(ahead(now), party=party).order_by("started_at").first()
    days = round((booking.started_at - now).total_seconds() / 86400, 2) if booking else None
    return action_for(score, value_line(), booked_in_days=days)
