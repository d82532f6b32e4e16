""" "You said, we did": a change the business made because parties asked for it.

The change names the feedback items that asked for it. Once a person has seen the message and
approved it, exactly the parties of those items are told (a service message: it answers what
they asked, and offers nothing), their open items close with the change as what was done, and
it goes on their timelines. Once a year a client can be told what they asked for and what came
of it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.core.business import business
from patron.core.formats import korean_particles
from patron.core.problems import Problem
from patron.outreach import rules
from patron.outreach.channels.status import channel_states
from patron.outreach.models import MessageClass
from patron.outreach.services import party_address, queue_notice
from patron.parties.activity import record_activity
from patron.parties.models import Channel, Party, RelationshipKind

from .items import OPEN, do_close
from .models import Cause, Change, FeedbackItem


class ChangeRefused(Problem):
    """A change that cannot be announced so."""


def do_save_change(change: Change, item_ids: list[int], *, actor=None) -> Change:
    if not change.title.strip():
        raise ChangeRefused("change.no_title")
    if change.announced_at is not None:
        raise ChangeRefused("change.already_told")
    with transaction.atomic():
        if change.pk is None:
            change.created_by = actor if getattr(actor, "is_authenticated", False) else None
        change.save()
        change.items.set(FeedbackItem.objects.filter(pk__in=item_ids))
    return change


def recipients(change: Change) -> list[Party]:
    """Exactly the parties whose items the change answers (each once), merged ones as the
    party they became."""
    parties = {}
    for item in change.items.select_related("party__merged_into"):
        party = item.party
        while party.merged_into_id:
            party = party.merged_into
        parties[party.pk] = party
    return sorted(parties.values(), key=lambda p: p.pk)


def words(change: Change, party: Party) -> tuple[str, str]:
    """The subject and the text as this party reads them, in their language."""
    language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
    with translation.override(language):
        subject = _("You asked, and we did it")
        lead = _("%(name)s, thank you for telling %(business)s what you wanted. We did it:") % {
            "name": party.display_name,
            "business": business().display_name,
        }
        lines = [korean_particles(lead), change.title]
        if change.description.strip():
            lines.append(change.description.strip())
    return subject, "\n".join(lines)


def channel_for(party: Party) -> str | None:
    """A text when they have a number (read soonest), else an email."""
    for channel in (Channel.SMS, Channel.EMAIL):
        if party_address(party, channel):
            return channel
    return None


@dataclass(frozen=True)
class Preview:
    parties: list[Party]
    by_channel: dict[str, int]
    unreachable: int
    example: tuple[str, str] | None


def preview(change: Change) -> Preview:
    parties = recipients(change)
    counts: Counter = Counter()
    for party in parties:
        counts[channel_for(party) or "none"] += 1
    example = words(change, parties[0]) if parties else None
    unreachable = counts.pop("none", 0)
    return Preview(parties, dict(counts), unreachable, example)


def do_announce_change(change: Change, *, actor, now: dt.datetime | None = None) -> dict:
    """Tell those who asked (once: a second approval sends nothing), close their open items
    with the change as what was done, and write it on their timelines."""
    now = now or timezone.now()
    with transaction.atomic():
        change = Change.objects.select_for_update().get(pk=change.pk)
        if change.announced_at is not None:
            raise ChangeRefused("change.already_told")
        parties = recipients(change)
        if not parties:
            raise ChangeRefused("change.nobody")
        states = channel_states()
        told: Counter = Counter()
        for party in parties:
            told[_tell(change, party, states, now)] += 1
        for item in change.items.filter(status__in=OPEN):
            do_close(
                item,
                resolution=change.title,
                cause=item.cause or Cause.REQUEST,
                actor=actor,
                now=now,
                follow_up=False,
                reason={"code": "feedback.closed_by_change", "change": change.pk},
            )
        change.items.update(change=change)
        change.announced_at, change.announced_by = now, actor
        change.told = dict(told)
        change.save(update_fields=["announced_at", "announced_by", "told"])
    return change.told


def _tell_by(party: Party, channel: str, topic: str, said: tuple[str, str], states, now):
    """A service message, once per topic, never at night."""
    subject, body = said
    return queue_notice(
        party,
        channel,
        topic=topic,
        subject=subject,
        body=body,
        message_class=MessageClass.SERVICE,
        states=states,
        at=rules.quiet_hours_end(now),
    )


def _tell(change: Change, party: Party, states, now: dt.datetime) -> str:
    channel = channel_for(party)
    if channel is None:
        outcome = "unreachable"
    else:
        _tell_by(party, channel, f"change:{change.pk}", words(change, party), states, now)
        outcome = f"told_{channel}"
        told = {"change": change.pk, "title": change.title}
        record_activity(party, "change.told", data=told, at=now)
    return outcome


# -- the year in review --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearSummary:
    party: Party
    asked: int  # things they asked for or told us that year
    done: int  # answered by a change
    changes: list[str]


def year_summaries(year: int) -> list[YearSummary]:
    """For each client who told us something that year and saw something change: how many
    things, how many were done, and what changed."""
    start = dt.datetime(year, 1, 1, tzinfo=rules.KOREA)
    end = dt.datetime(year + 1, 1, 1, tzinfo=rules.KOREA)
    items = FeedbackItem.objects.filter(
        opened_at__gte=start,
        opened_at__lt=end,
        party__relationship__kind=RelationshipKind.CLIENT,
        party__merged_into__isnull=True,
    )
    counted = (
        items.values("party")
        .annotate(asked=Count("pk"), done=Count("pk", filter=Q(change__isnull=False)))
        .filter(done__gt=0)  # "we did 0 of them" is no message to send
    )
    parties = Party.objects.in_bulk([row["party"] for row in counted])
    summaries = []
    for row in counted.order_by("party"):
        titles = list(
            items.filter(party=row["party"], change__isnull=False)
            .values_list("change__title", flat=True)
            .distinct()
        )
        summaries.append(YearSummary(parties[row["party"]], row["asked"], row["done"], titles))
    return summaries


def summary_words(summary: YearSummary, year: int) -> tuple[str, str]:
    party = summary.party
    with translation.override(party.locale or settings.PATRON_MESSAGE_LANGUAGE):
        subject = _("What you told us in %(year)s") % {"year": year}
        lines = [
            _("%(name)s, in %(year)s you told us %(asked)s things; we did %(done)s of them.")
            % {"name": party.display_name, "year": year, **summary.__dict__}
        ]
        lines += [f"- {title}" for title in summary.changes]
        lines.append(
            _("Thank you for helping %(business)s get better.")
            % {"business": business().display_name}
        )
    return subject, korean_particles("\n".join(lines))


def do_send_year_summaries(year: int, *, actor, now: dt.datetime | None = None) -> dict:
    """Once per year and client (a second sending adds nothing)."""
    now = now or timezone.now()
    states = channel_states()
    counts: Counter = Counter()
    for summary in year_summaries(year):
        channel = channel_for(summary.party)
        if channel is None:
            counts["unreachable"] += 1
            continue
        said = summary_words(summary, year)
        queued = _tell_by(summary.party, channel, f"year-summary:{year}", said, states, now)
        counts[f"told_{channel}" if queued else "already_told"] += 1
    return dict(counts)
