"""Reads about outreach that pages, the CLI and the API share."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Exists, OuterRef

from patron.commerce.queries import TimelineEntry
from patron.parties.models import Channel, Party, Purpose

from .models import PURPOSE_OF, Campaign, OutboxMessage, Suppression
from .planner import channels_to_try
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
    counts: Counter = Counter()
    rows = (
        OutboxMessage.objects.filter(campaign=campaign)
        .values_list("status", "channel", "reason__code")
        .annotate(n=Count("pk"))
    )
    for status, channel, code, n in rows:
        if status == "skipped":
            counts[f"skipped_{(code or '').rpartition('.')[2]}"] += n
        else:
            counts[f"{status}_{channel}"] += n
    return dict(sorted(counts.items()))


def channel_estimate(campaign: Campaign) -> dict[str, int]:
    """Before launch: how many of the segment each channel would reach (an address, consent
    in force, not suppressed), trying the campaign's channels in order, and how many none
    would. The day's budget and the night rule are applied when it is planned."""
    template = campaign.template
    purpose = PURPOSE_OF[template.message_class]
    channels = channels_to_try(
        campaign.channel, template.message_class, kakao=bool(template.kakao_id)
    )
    remaining = segment_parties(campaign.segment.filters)
    estimate: dict[str, int] = {}
    for channel in channels:
        column = "email" if channel == Channel.EMAIL else "phone"
        reached = remaining.exclude(**{column: ""}).exclude(
            Exists(Suppression.objects.filter(channel=channel, address=OuterRef(column)))
        )
        if purpose != Purpose.SERVICE:
            reached = reached.filter(Exists(consented(purpose, channel)))
        estimate[channel] = reached.count()
        remaining = remaining.exclude(pk__in=reached.values("pk"))
    estimate["none"] = remaining.count()
    return estimate
