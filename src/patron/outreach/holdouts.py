"""What a campaign or a cadence caused: those it was sent to against its random holdout.

The planner keeps a random share of the audience out (``outreach.skip.holdout``), after every
check that decides who may be sent anything, so the two groups differ only by the message.
For each window (7, 30, 90 days after each party's own moment: when its message was sent, or
when it would have been) the report gives both groups' purchase rate and revenue per party,
the difference with its 95% interval (patron.analytics.lift), and the unsubscribes and spam
complaints that followed. A window is reported once it has passed for someone in each group,
over those for whom it has; only messages the outside world accepted count as sent.

The customer-to-client conversion is followed alongside: the next best actions people did,
and how many of those parties became clients within each window.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import F, Q
from django.utils import timezone

from patron.analytics.lift import Lift, mean_lift, proportion_lift
from patron.commerce.models import NOT_PURCHASED, Engagement, EngagementStatus, Order
from patron.parties.models import Activity, Consent

from .models import OutboxMessage, OutboxStatus, Suppression, SuppressionReason, Task, TaskStatus

WINDOWS = (7, 30, 90)
SENT = (OutboxStatus.SENT, OutboxStatus.DELIVERED)
HOLDOUT = "outreach.skip.holdout"
CHUNK = 5000  # parties per IN list: SQLite's limit on a statement's parameters


@dataclass(frozen=True)
class Window:
    days: int
    sent: int  # parties in each group for whom the window has passed
    held: int
    bought: Lift | None  # None: a group too small to compare
    revenue: Lift | None
    unsubscribed_sent: int
    unsubscribed_held: int
    complaints: int


@dataclass(frozen=True)
class HoldoutReport:
    percent: int
    sent: int  # parties sent it, and kept out, so far
    held: int
    windows: list[Window]


def campaign_lift(campaign, *, now: dt.datetime | None = None) -> HoldoutReport | None:
    rows = OutboxMessage.objects.filter(campaign=campaign)
    return _report(rows, now or timezone.now())


def cadence_lift(cadence, *, now: dt.datetime | None = None) -> HoldoutReport | None:
    rows = OutboxMessage.objects.filter(topic=f"cadence:{cadence.pk}", campaign__isnull=True)
    return _report(rows, now or timezone.now())


def _report(rows, now: dt.datetime) -> HoldoutReport | None:
    """None when nobody was kept out: there is nothing to compare with."""
    groups = _groups(rows)
    held_ids = [pk for pk, (group, _t0, _a) in groups.items() if group == "held"]
    if not held_ids:
        return None
    percent = rows.filter(reason__code=HOLDOUT).values_list("reason__percent", flat=True).first()
    sent_ids = [pk for pk, (group, _t0, _a) in groups.items() if group == "sent"]
    outcomes = _outcomes(groups, now)
    windows = [_window(days, groups, outcomes, now) for days in WINDOWS]
    return HoldoutReport(
        int(percent or 0), len(sent_ids), len(held_ids), [w for w in windows if w is not None]
    )


def _groups(rows) -> dict[int, tuple[str, dt.datetime, str]]:
    """Each party's group, its moment and its address, from its first sent or held row (a
    cadence reaches a party again and again; the draw keeps it in one group)."""
    found: dict[int, tuple[str, dt.datetime, str]] = {}
    chosen = rows.filter(Q(status__in=SENT) | Q(reason__code=HOLDOUT)).order_by(
        "party_id", "created_at", "pk"
    )
    for party_id, status, sent_at, created_at, address in chosen.values_list(
        "party_id", "status", "sent_at", "created_at", "address"
    ).iterator(chunk_size=2000):
        if party_id in found:
            continue
        if status in SENT:
            found[party_id] = ("sent", sent_at or created_at, address)
        else:
            found[party_id] = ("held", created_at, address)
    return found


@dataclass
class _Outcomes:
    spent: dict[int, list[tuple[dt.datetime, float]]]
    unsubscribed: dict[int, list[dt.datetime]]
    complaints: dict[str, list[dt.datetime]]


def _outcomes(groups, now: dt.datetime) -> _Outcomes:
    """Purchases and services, withdrawals of consent and spam complaints after the first
    moment and within the longest window, read in chunks of parties."""
    first = min(t0 for _g, t0, _a in groups.values())
    last = min(max(t0 for _g, t0, _a in groups.values()) + dt.timedelta(days=max(WINDOWS)), now)
    spent: dict[int, list] = defaultdict(list)
    unsubscribed: dict[int, list] = defaultdict(list)
    ids = sorted(groups)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        orders = (
            Order.objects.filter(party_id__in=chunk, occurred_at__gt=first, occurred_at__lte=last)
            .exclude(status__in=NOT_PURCHASED)
            .values_list("party_id", "occurred_at", F("amount") - F("refunded_amount"))
        )
        served = Engagement.objects.filter(
            party_id__in=chunk,
            started_at__gt=first,
            started_at__lte=last,
            status=EngagementStatus.DONE,
        ).values_list("party_id", "started_at", "amount")
        for party_id, at, amount in [*orders, *served]:
            spent[party_id].append((at, float(amount or 0)))
        withdrawn = Consent.objects.filter(
            party_id__in=chunk, granted=False, recorded_at__gt=first, recorded_at__lte=last
        ).values_list("party_id", "recorded_at")
        for party_id, at in withdrawn:
            unsubscribed[party_id].append(at)
    addresses = {a for g, _t0, a in groups.values() if g == "sent" and a}
    complaints: dict[str, list] = defaultdict(list)
    reported = Suppression.objects.filter(
        reason=SuppressionReason.COMPLAINT, created_at__gt=first, created_at__lte=last
    ).values_list("address", "created_at")
    for address, at in reported:
        if address in addresses:
            complaints[address].append(at)
    return _Outcomes(spent, unsubscribed, complaints)


def _within(moments, t0: dt.datetime, days: int) -> list:
    end = t0 + dt.timedelta(days=days)
    return [m for m in moments if t0 < m <= end]


def _window(days: int, groups, outcomes: _Outcomes, now: dt.datetime) -> Window | None:
    """The window over those for whom it has passed; None when it has passed for nobody
    in one of the groups."""
    span = dt.timedelta(days=days)
    revenue: dict[str, list[float]] = {"sent": [], "held": []}
    unsubscribed = {"sent": 0, "held": 0}
    complaints = 0
    for party_id, (group, t0, address) in groups.items():
        if t0 + span > now:
            continue
        spent = sum(
            amount for at, amount in outcomes.spent.get(party_id, ()) if t0 < at <= t0 + span
        )
        revenue[group].append(spent if spent > 0 else -1.0)  # -1: bought nothing (kept)
        unsubscribed[group] += bool(_within(outcomes.unsubscribed.get(party_id, ()), t0, days))
        if group == "sent":
            complaints += len(_within(outcomes.complaints.get(address, ()), t0, days))
    sent, held = np.array(revenue["sent"]), np.array(revenue["held"])
    if len(sent) == 0 or len(held) == 0:
        return None
    comparable = len(sent) >= 2 and len(held) >= 2
    return Window(
        days,
        len(sent),
        len(held),
        proportion_lift(int((sent > 0).sum()), len(sent), int((held > 0).sum()), len(held))
        if comparable
        else None,
        mean_lift(np.clip(sent, 0, None), np.clip(held, 0, None)) if comparable else None,
        unsubscribed["sent"],
        unsubscribed["held"],
        complaints,
    )


# -- customers becoming clients after a next best action -------------------------------------


@dataclass(frozen=True)
class ConversionRow:
    action: str  # the next best action's code: "nba.invite", "nba.call", ...
    done: int
    became_clients: dict[int, int]  # window (days) -> parties made clients within it


def conversions_after_actions(*, since: dt.date | None = None) -> list[ConversionRow]:
    """The next best actions people did, and how many of those parties a person made
    clients within 7, 30 and 90 days after (from the timeline). Not a random comparison:
    those chosen for an action were chosen for a reason."""
    tasks = Task.objects.filter(dedupe_key__startswith="nba:", status=TaskStatus.DONE)
    if since is not None:
        tasks = tasks.filter(done_at__date__gte=since)
    done = list(tasks.values_list("party_id", "done_at", "action__code"))
    if not done:
        return []
    made: dict[int, list[dt.datetime]] = defaultdict(list)
    parties = sorted({party_id for party_id, _at, _code in done})
    for start in range(0, len(parties), CHUNK):
        changes = Activity.objects.filter(
            party_id__in=parties[start : start + CHUNK],
            verb="relationship.changed",
            data__kind_to="client",
        ).values_list("party_id", "occurred_at")
        for party_id, at in changes:
            made[party_id].append(at)
    rows: dict[str, ConversionRow] = {}
    for party_id, at, code in done:
        row = rows.setdefault(code or "", ConversionRow(code or "", 0, dict.fromkeys(WINDOWS, 0)))
        became = {days: bool(_within(made.get(party_id, ()), at, days)) for days in WINDOWS}
        rows[code or ""] = ConversionRow(
            row.action,
            row.done + 1,
            {days: row.became_clients[days] + became[days] for days in WINDOWS},
        )
    return sorted(rows.values(), key=lambda row: -row.done)
