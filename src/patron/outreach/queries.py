"""Reads about outreach that pages, the CLI and the API share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef

from patron.commerce.queries import TimelineEntry
from patron.core.business import business
from patron.parties.models import Channel, Party, Purpose

from .channels.status import DEMO, OFF, ChannelState, channel_states
from .models import PURPOSE_OF, Campaign, OutboxMessage, OutboxStatus, Suppression
from .planner import usable_channels
from .segments import consented, segment_parties


def party_messages(party: Party, limit: int = 100) -> list[TimelineEntry]:
    """Every message sent, waiting, failed or not sent to the party, as timeline entries."""
    rows = (
        OutboxMessage.objects.filter(party=party)
        .select_related("campaign")
        .order_by("-created_at")[:limit]
    )
    return [
        TimelineEntry(
            at=row.sent_at or row.created_at,
            kind="activity",
            message={
                "code": f"activity.outreach.{row.status}",
                "status": row.status,
                "channel": row.channel,
                "message_class": row.message_class,
                "name": row.campaign.name if row.campaign_id else "",
                "reason": row.reason,
            },
        )
        for row in rows
    ]


def timeline_with_messages(party: Party, entries: list[TimelineEntry], limit: int = 100):
    """The party's timeline (orders, engagements, activities) with its messages, newest first."""
    merged = entries + party_messages(party, limit)
    merged.sort(key=lambda entry: entry.at, reverse=True)
    return merged[:limit]


def campaign_report(campaign: Campaign) -> dict[str, int]:
    """How many of the campaign's messages are in each state, and why those not sent were not."""
    return outbox_report(OutboxMessage.objects.filter(campaign=campaign))


def outbox_report(messages) -> dict[str, int]:
    """Counts by state and channel ("delivered_sms"), and not sent by reason ("skipped_...")."""
    counts: Counter = Counter()
    rows = messages.values_list("status", "channel", "reason__code").annotate(n=Count("pk"))
    for status, channel, code, n in rows:
        if status == "skipped":
            counts[f"skipped_{(code or '').rpartition('.')[2]}"] += n
        else:
            counts[f"{status}_{channel}"] += n
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Reach:
    """Before sending: who each channel would reach (an address, consent in force, not
    suppressed), trying the channels in order; which of those channels cannot send now and
    why (their messages would wait); and who no channel reaches, and why. The day's budget
    and the night rule are applied when it is planned."""

    total: int
    channels: dict[str, int]
    waiting: dict[str, dict]
    no_address: int
    not_agreed: int
    cannot_advertise: bool = False

    @property
    def reached(self) -> int:
        return sum(self.channels.values())

    @property
    def sends_now(self) -> int:
        return sum(n for channel, n in self.channels.items() if channel not in self.waiting)

    @property
    def waits(self) -> int:
        return self.reached - self.sends_now

    @property
    def skipped(self) -> int:
        return self.no_address + self.not_agreed


def campaign_reach(campaign: Campaign) -> Reach:
    template = campaign.template
    biz = business()
    channels, waiting = usable_channels(
        campaign.channel, template.message_class, kakao=bool(template.kakao_id), biz=biz
    )
    return reach(
        segment_parties(campaign.segment.filters),
        channels,
        waiting,
        PURPOSE_OF[template.message_class],
    )


def reach(parties, channels: list[str], waiting: dict, purpose: str) -> Reach:
    total = parties.count()
    if not channels:
        return Reach(total, {}, {}, 0, total, cannot_advertise=True)
    remaining = parties
    by_channel: dict[str, int] = {}
    for channel in channels:
        column = "email" if channel == Channel.EMAIL else "phone"
        reached = remaining.exclude(**{column: ""}).exclude(
            Exists(Suppression.objects.filter(channel=channel, address=OuterRef(column)))
        )
        if purpose != Purpose.SERVICE:
            reached = reached.filter(Exists(consented(purpose, channel)))
        by_channel[channel] = reached.count()
        remaining = remaining.exclude(pk__in=reached.values("pk"))
    columns = {"email" if c == Channel.EMAIL else "phone" for c in channels}
    no_address = remaining
    for column in columns:
        no_address = no_address.filter(**{column: ""})
    left = remaining.count()
    unreachable = no_address.count()
    return Reach(total, by_channel, waiting, unreachable, left - unreachable)


@dataclass(frozen=True)
class ChannelNotice:
    """A channel that does not send for real, as every page says it: demo, not set up, or
    paused by its provider, with how many messages wait on it."""

    state: ChannelState
    waiting: int

    @property
    def demo(self) -> bool:
        return self.state.mode == DEMO

    @property
    def off(self) -> bool:
        return self.state.mode == OFF


NOTICE_SECONDS = 20  # how long a page's counts of waiting messages may be old


def channel_notices() -> list[ChannelNotice]:
    """Channels in demo mode, not set up, or paused, with the messages waiting on each."""
    states = channel_states()
    quiet = {c: s for c, s in states.items() if s.mode == DEMO or not s.sends}
    if not quiet:
        return []
    waiting = cache.get("patron.outreach.waiting")
    if waiting is None:
        waiting = waiting_by_channel(list(quiet))
        cache.set("patron.outreach.waiting", waiting, NOTICE_SECONDS)
    return [
        ChannelNotice(state, 0 if state.sends else waiting.get(channel, 0))
        for channel, state in quiet.items()
    ]


def waiting_by_channel(channels: list[str]) -> dict[str, int]:
    """Messages queued on each of these channels."""
    rows = (
        OutboxMessage.objects.filter(status=OutboxStatus.QUEUED, channel__in=channels)
        .values_list("channel")
        .annotate(n=Count("pk"))
    )
    return dict(rows)
