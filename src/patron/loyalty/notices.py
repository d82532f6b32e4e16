"""Points about to expire: the party is told 30 and 7 days before, once each, as a service
message (it is about what they already hold), saying how many, when, and why they were given."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.core.business import business
from patron.core.formats import korean_particles, long_date
from patron.core.wording import say
from patron.outreach import rules
from patron.outreach.channels.status import channel_states
from patron.outreach.models import MessageClass
from patron.outreach.services import party_address, queue_notice
from patron.parties.models import Channel, Party

from .models import LOT_KINDS, PointEntry

NOTICE_DAYS = (30, 7)


def plan_expiry_notices(day: dt.date, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The day's notices: lots that still hold points and expire 30 or 7 days from `day`
    (one message per party and expiry day, listing why the points were given)."""
    now = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    states = channel_states()
    at = rules.quiet_hours_end(
        max(now, dt.datetime.combine(day, dt.time(business().notice_hour), tzinfo=rules.KOREA))
    )
    for days in NOTICE_DAYS:
        begin = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tzinfo=rules.KOREA)
        lots = (
            PointEntry.objects.filter(
                kind__in=LOT_KINDS,
                expires_at__gte=begin,
                expires_at__lt=begin + dt.timedelta(days=1),
            )
            .annotate(remaining=Sum("drawn__amount"))
            .filter(remaining__gt=0)
            .order_by("party_id", "pk")
        )
        by_party: dict[int, list[PointEntry]] = defaultdict(list)
        for lot in lots:
            by_party[lot.party_id].append(lot)
        for party in Party.objects.filter(pk__in=list(by_party)):
            counts[_tell(party, by_party[party.pk], days, begin, states, at)] += 1
    return dict(counts)


def _tell(party: Party, lots: list[PointEntry], days: int, on: dt.datetime, states, at) -> str:
    channel = reachable_channel(party)
    if channel is None:
        return "unreachable"
    points = sum(lot.remaining for lot in lots)
    language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
    with translation.override(language):
        subject = _("Your points expire on %(day)s") % {"day": long_date(on.date(), language)}
        lines = [
            korean_particles(
                _("%(name)s, %(points)s points at %(business)s expire on %(day)s.")
                % {
                    "name": party.display_name,
                    "points": f"{points:,}",
                    "business": business().display_name,
                    "day": long_date(on.date(), language),
                }
            )
        ]
        lines += [f"- {say(lot.reason) or _('points')}: {lot.remaining:,}" for lot in lots[:5]]
    return tell(
        party, channel, f"points-expiry:{on.date().isoformat()}:{days}", subject, lines, states, at
    )


def reachable_channel(party: Party) -> str | None:
    """Where a points or grade notice goes: a text, else an email."""
    return next((c for c in (Channel.SMS, Channel.EMAIL) if party_address(party, c)), None)


def tell(party: Party, channel: str, topic: str, subject: str, lines, states, at) -> str:
    """Queue a service notice once per topic; what became of it, as a count's name."""
    queued = queue_notice(
        party,
        channel,
        topic=topic,
        subject=subject,
        body="\n".join(lines),
        message_class=MessageClass.SERVICE,
        states=states,
        at=at,
    )
    return f"told_{channel}" if queued else "already_told"
