"""The day's automatic notices, gathered: one message per person and channel a day.

Reconfirmations of consent (§50⑧) and event reminders are service notices the daily plan
writes itself. Two of them due the same day for the same person and channel (a yes to
newsletters and one to surveys, both two years old) become one message listing both, never
two texts a second apart. They go out at the hour the owner set (Business settings: "automatic
notices go out at"), within the day, and the Today page shows them, counted, before they go:
an owner can hold the day's notices and send them later.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import translation
from django.utils.translation import ngettext

from patron.core.business import business
from patron.core.wording import number
from patron.parties.models import Party

from .channels.status import channel_states
from .models import OutboxMessage, OutboxStatus
from .rules import KOREA

TOPIC = "daily:"  # the topic of a day's notices: "daily:2026-12-08"


@dataclass
class _Part:
    subject: str
    body: str
    kind: str  # "reconfirmation", "reminder": counted on the Today page
    on_queued: Callable[[], None] | None = None
    ref: str = ""  # what it is about ("event:12"): revised when that changes before it goes

    def kept(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "subject": self.subject, "body": self.body}


@dataclass
class DayNotices:
    """Collects the day's notices per (party, channel); ``queue`` writes one message each."""

    day: dt.date
    at: dt.datetime | None = None  # when they go (daily.send_time); the owner's hour if None
    parts: dict[tuple[int, str], list[_Part]] = field(default_factory=lambda: defaultdict(list))
    parties: dict[int, Party] = field(default_factory=dict)

    counts: Counter = field(default_factory=Counter)

    def add(self, party: Party, channel: str, part: _Part) -> None:
        self.parties[party.pk] = party
        self.parts[(party.pk, channel)].append(part)

    def flush(self, party_ids: set[int]) -> None:
        """Write these parties' messages (all their parts are in) and forget them: memory
        stays bounded on a large day."""
        keys = [key for key in self.parts if key[0] in party_ids]
        self.counts.update(self._write(keys))
        for key in keys:
            del self.parts[key]
        for party_id in party_ids:
            self.parties.pop(party_id, None)

    def queue(self) -> Counter:
        """Write the rest; every count of the day."""
        self.flush(set(self.parties))
        return self.counts

    def _write(self, keys: list[tuple[int, str]]) -> Counter:
        from .services import queue_notice

        counts: Counter = Counter()
        states = channel_states()
        send_at = self.at or notice_time(self.day)
        for party_id, channel in keys:
            parts = self.parts[(party_id, channel)]
            party = self.parties[party_id]
            subject, body = _combined(party, parts)
            queued = queue_notice(
                party,
                channel,
                topic=f"{TOPIC}{self.day.isoformat()}",
                subject=subject,
                body=body,
                states=states,
                at=send_at,
                kinds=sorted({part.kind for part in parts}),
                parts=[part.kept() for part in parts],
            )
            for part in parts:
                counts[f"planned_{part.kind}s" if queued else "skipped_already_planned"] += 1
                if queued and part.on_queued is not None:
                    part.on_queued()
        return counts


def part(subject: str, body: str, kind: str, on_queued=None, *, ref: str = "") -> _Part:
    return _Part(subject, body, kind, on_queued, ref)


def revise_parts(
    ref: str,
    revise: Callable[[Party, dt.date], tuple[str, str] | None],
    *,
    party_ids: set[int] | None = None,
) -> int:
    """The day notices not yet sent that carry a part about ``ref`` (an event changed or
    cancelled, an answer turned to no): each such part is rewritten by ``revise`` (the party
    and the notice's day -> (subject, body)) or, when it gives None, dropped; a notice left
    with nothing goes nowhere. How many notices changed."""
    rows = OutboxMessage.objects.filter(
        topic__startswith=TOPIC, status__in=(OutboxStatus.QUEUED, OutboxStatus.HELD)
    ).select_related("party")
    if party_ids is not None:
        rows = rows.filter(party_id__in=party_ids)
    changed = 0
    for row in rows.iterator(chunk_size=500):
        kept = row.content.get("parts") or []
        if not any(item.get("ref") == ref for item in kept):
            continue
        day = dt.date.fromisoformat(row.topic.removeprefix(TOPIC))
        parts = []
        for item in kept:
            if item.get("ref") == ref:
                words = revise(row.party, day)
                if words is None:
                    continue
                item = {**item, "subject": words[0], "body": words[1]}
            parts.append(item)
        _rewrite(row, parts)
        changed += 1
    return changed


def _rewrite(row: OutboxMessage, kept: list[dict]) -> None:
    if not kept:
        OutboxMessage.objects.filter(pk=row.pk, status=row.status).update(
            status=OutboxStatus.SKIPPED, reason={"code": "outreach.skip.cancelled"}
        )
        return
    parts = [_Part(item["subject"], item["body"], item["kind"], ref=item["ref"]) for item in kept]
    subject, body = _combined(row.party, parts)
    content = {
        **row.content,
        "subject": subject,
        "body": body,
        "kinds": sorted({part.kind for part in parts}),
        "parts": kept,
    }
    OutboxMessage.objects.filter(pk=row.pk, status=row.status).update(content=content)


def notice_time(day: dt.date) -> dt.datetime:
    """When the day's notices go: the owner's hour, Korean time (never inside the night)."""
    return dt.datetime.combine(day, dt.time(business().notice_hour), tzinfo=KOREA)


def _combined(party: Party, parts: list[_Part]) -> tuple[str, str]:
    if len(parts) == 1:
        return parts[0].subject, parts[0].body
    with translation.override(party.locale or settings.PATRON_MESSAGE_LANGUAGE):
        subject = ngettext(
            "%(n)s notice from %(business)s",
            "%(n)s notices from %(business)s",
            len(parts),
        ) % {"n": number(len(parts)), "business": business().display_name}
    return subject, "\n\n".join(part.body for part in parts)


# -- what the Today page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    kind: str  # "notices", "cadences", "invitations"
    channel: str
    status: str
    count: int


def _day_messages(day: dt.date):
    """The day's automatic messages: its gathered notices, and the cadence messages and
    event invitations planned to go that day (the planner dates them when they go)."""
    from django.db.models import Q

    start = dt.datetime.combine(day, dt.time(), tzinfo=KOREA)
    that_day = Q(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    return OutboxMessage.objects.filter(
        Q(topic=f"{TOPIC}{day.isoformat()}")
        | (that_day & Q(topic__startswith="cadence:"))
        | (that_day & Q(topic__regex=r"^event:[0-9]+$"))
    )


def _kind(topic: str) -> str:
    if topic.startswith(TOPIC):
        return "notices"
    return "cadences" if topic.startswith("cadence:") else "invitations"


def day_notices(day: dt.date) -> list[DayCount]:
    """The day's automatic messages by kind, channel and state."""
    counts: Counter = Counter()
    rows = _day_messages(day).values_list("topic", "channel", "status").annotate(n=Count("pk"))
    for topic, channel, status, n in rows:
        counts[(_kind(topic), channel, status)] += n
    return [DayCount(*key, n) for key, n in sorted(counts.items())]


def do_hold_day_notices(day: dt.date) -> int:
    """Hold the day's automatic messages not yet sent (the owner reviews them first)."""
    return (
        _day_messages(day)
        .filter(status=OutboxStatus.QUEUED)
        .update(status=OutboxStatus.HELD, reason={"code": "outreach.held.by_owner"})
    )


def do_release_day_notices(day: dt.date) -> int:
    """Send the day's held messages (now, or at their hour if it is still to come)."""
    return (
        _day_messages(day)
        .filter(status=OutboxStatus.HELD, reason__code="outreach.held.by_owner")
        .update(status=OutboxStatus.QUEUED, reason=None)
    )
