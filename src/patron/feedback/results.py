"""Survey results: NPS and CSAT by relationship kind, offering, account manager and month,
with how many were asked and how many answered.

Counted in the database (one GROUP BY per breakdown); the scores follow their authors'
definitions (analytics.satisfaction: passives count in the NPS denominator, CSAT is the
share answering 4 or 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from patron.analytics.satisfaction import Csat, Nps
from patron.outreach.rules import KOREA

from .models import InvitationStatus, SurveyKind
from .surveys import sent_invitations

BREAKDOWNS = ("relationship_kind", "offering", "manager", "month")


@dataclass(frozen=True)
class Row:
    key: object  # the kind, the offering's or manager's id, or the month
    label: str
    asked: int
    answered: int
    score: float | None  # NPS (-100..100) or CSAT (% satisfied)
    mean: float | None = None  # CSAT: the average answer

    @property
    def response_rate(self) -> float | None:
        return 100.0 * self.answered / self.asked if self.asked else None


def asked(kind: str, since: dt.datetime) -> object:
    """What counts: surveys that went, not follow-ups (asked only of those who complained)
    nor a pilot's (hand-picked clients, an offering not yet launched)."""
    return sent_invitations().filter(
        kind=kind, send_at__gte=since, follow_up_of__isnull=True, pilot__isnull=True
    )


def breakdown(kind: str, by: str, *, since: dt.datetime | None = None) -> list[Row]:
    """One row per value of ``by``; asked counts what was sent (not what was skipped)."""
    since = since or timezone.now() - dt.timedelta(days=365)
    rows = asked(kind, since)
    if by == "month":
        rows = rows.annotate(group=TruncMonth("send_at", tzinfo=KOREA))
    elif by == "offering":
        rows = rows.annotate(group=_field("offering__name"))
    elif by == "manager":
        rows = rows.annotate(group=_field("manager__username"))
    else:
        rows = rows.annotate(group=_field("relationship_kind"))
    answered = Q(status=InvitationStatus.ANSWERED)
    counted = (
        rows.values("group")
        .annotate(
            asked=Count("pk"),
            answered=Count("pk", filter=answered),
            high=Count("pk", filter=answered & Q(score__gte=_high(kind))),
            low=Count("pk", filter=answered & Q(score__lte=_low(kind))),
            total=Sum("score", filter=answered),
        )
        .order_by("group")
    )
    return [_row(kind, entry) for entry in counted]


def _field(name: str):
    from django.db.models import F

    return F(name)


def _high(kind: str) -> int:
    return 9 if kind == SurveyKind.NPS else 4


def _low(kind: str) -> int:
    return 6 if kind == SurveyKind.NPS else 2


def _row(kind: str, entry: dict) -> Row:
    group = entry["group"]
    if isinstance(group, dt.datetime):
        group = group.astimezone(KOREA).strftime("%Y-%m")
    answered = entry["answered"]
    if kind == SurveyKind.NPS:
        summary = Nps(
            answered, entry["high"], answered - entry["high"] - entry["low"], entry["low"]
        )
        return Row(group, str(group or ""), entry["asked"], answered, summary.score)
    result = Csat(answered, entry["high"], entry["total"] or 0)
    return Row(group, str(group or ""), entry["asked"], answered, result.score, result.mean)


def overall(kind: str, *, since: dt.datetime | None = None) -> Row:
    since = since or timezone.now() - dt.timedelta(days=365)
    rows = asked(kind, since).annotate(group=_field("kind"))
    answered = Q(status=InvitationStatus.ANSWERED)
    entry = rows.aggregate(
        asked=Count("pk"),
        answered=Count("pk", filter=answered),
        high=Count("pk", filter=answered & Q(score__gte=_high(kind))),
        low=Count("pk", filter=answered & Q(score__lte=_low(kind))),
        total=Sum("score", filter=answered),
    )
    return _row(kind, {**entry, "group": kind})
