"""When a feedback item must be answered and resolved: working hours per relationship kind and
severity, counted on Korea's working calendar (core.hours), the clock stopped while the
business waits on the party."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from patron.core.hours import Pause, WorkingCalendar, due_at, working_hours_late
from patron.parties.models import RelationshipKind

from .models import FeedbackItem, ItemStatus, ResponseRule, Severity

ANY = "*"
DAY = 9.0  # working hours in a working day (09:00-18:00)

# (kind, severity) -> (first response, resolution), in working hours. Clients are answered
# sooner (the source: they stay for the service and the trust). A detractor (severity high)
# is called back within two working days, "48 hours" without the nights and the days off.
DEFAULT_RULES: dict[tuple[str, str], tuple[float, float]] = {
    (ANY, Severity.CRITICAL): (4.0, 2 * DAY),
    (ANY, Severity.HIGH): (2 * DAY, 5 * DAY),
    (ANY, Severity.NORMAL): (3 * DAY, 10 * DAY),
    (RelationshipKind.CLIENT, Severity.CRITICAL): (2.0, DAY),
    (RelationshipKind.CLIENT, Severity.HIGH): (DAY, 3 * DAY),
    (RelationshipKind.CLIENT, Severity.NORMAL): (2 * DAY, 5 * DAY),
}


@dataclass(frozen=True)
class Promise:
    respond_hours: float
    resolve_hours: float


@cache
def calendar() -> WorkingCalendar:
    """One calendar per process: its holidays are read once, not once per item."""
    return WorkingCalendar()


def rules() -> dict[tuple[str, str], tuple[float, float]]:
    found = dict(DEFAULT_RULES)
    for rule in ResponseRule.objects.all():
        found[(rule.kind, rule.severity)] = (rule.respond_hours, rule.resolve_hours)
    return found


def promise_for(kind: str, severity: str) -> Promise:
    """The rule for the kind, else the rule for every kind."""
    table = rules()
    hours = table.get((kind, severity)) or table[(ANY, severity)]
    return Promise(*hours)


def pauses_of(item: FeedbackItem) -> list[Pause]:
    return [
        Pause(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end) if end else None)
        for start, end in item.pauses
    ]


def set_dues(item: FeedbackItem, cal: WorkingCalendar | None = None) -> None:
    """The item's due times from when it opened, its promise and its pauses (None while the
    clock stands still, and for the first response once it came)."""
    cal = cal or calendar()
    pauses = pauses_of(item)
    item.respond_due = (
        None if item.responded_at else due_at(cal, item.opened_at, item.respond_hours, pauses)
    )
    item.resolve_due = due_at(cal, item.opened_at, item.resolve_hours, pauses)


def next_due(item: FeedbackItem) -> dt.datetime | None:
    """The due time the item answers to now: the first response until it came, then the
    resolution."""
    if item.responded_at is None and item.respond_due is not None:
        return item.respond_due
    return item.resolve_due


def hours_late(item: FeedbackItem, now: dt.datetime, cal: WorkingCalendar | None = None) -> float:
    """Working hours past the due time; while the clock stands still, as late as it was
    when it stopped (waiting on the party adds no lateness)."""
    if item.status == ItemStatus.WAITING and item.pauses:
        now = min(now, dt.datetime.fromisoformat(item.pauses[-1][0]))
        due = _due_before_pause(item)
    else:
        due = next_due(item)
    if due is None or due >= now:
        return 0.0
    return working_hours_late(cal or calendar(), due, now)


def do_save_rules(table: dict[tuple[str, str], tuple[float, float]]) -> int:
    """Keep the response times given (hours of working time); a first response is never
    promised after the resolution. Items already open keep the promise they opened with."""
    saved = 0
    for (kind, severity), (respond, resolve) in table.items():
        ResponseRule.objects.update_or_create(
            kind=kind,
            severity=severity,
            defaults={"respond_hours": min(respond, resolve), "resolve_hours": resolve},
        )
        saved += 1
    return saved


def _due_before_pause(item: FeedbackItem) -> dt.datetime | None:
    """The due time the item answered to when its last pause began."""
    cal = calendar()
    pauses = pauses_of(item)[:-1]
    hours = item.resolve_hours if item.responded_at else item.respond_hours
    return due_at(cal, item.opened_at, hours, pauses)
