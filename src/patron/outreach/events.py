"""Seminars and events: invitations to a segment, answers through signed links (within the
capacity), a reminder the day before, attendance on each party's timeline."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.core.formats import long_datetime
from patron.core.problems import Problem
from patron.parties.activity import record_activity
from patron.parties.models import Channel, Party

from .models import CampaignChannel, Event, Rsvp
from .planner import Mailing, do_plan_mailing
from .rules import KOREA
from .segments import segment_parties
from .services import party_address


class EventRefused(Problem):
    """An answer or a change the event cannot take (full, already invited)."""


def _when(event: Event) -> str:
    return long_datetime(event.starts_at, settings.PATRON_MESSAGE_LANGUAGE)


def invitation_words(event: Event) -> dict:
    with translation.override(settings.PATRON_MESSAGE_LANGUAGE):
        subject = _("You are invited: %(title)s") % {"title": event.title}
        lines = [
            _("{{ first_name }}, you are invited to %(title)s.") % {"title": event.title},
            event.description.strip(),
            _("When: %(when)s") % {"when": _when(event)},
            _("Where: %(place)s") % {"place": event.place} if event.place else "",
            _("Will you come? Answer here: {{ rsvp_url }}"),
        ]
    return {
        "subject": subject,
        "body": "\n\n".join(line for line in lines if line),
        "markdown": False,
    }


def do_invite(event: Event, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Invite the event's segment (once: inviting again plans nothing twice)."""
    words = invitation_words(event)
    mailing = Mailing(
        key=f"event:{event.pk}:invite",
        snapshot={
            "message_class": event.message_class,
            "fields": ["first_name", "rsvp_url"],
            "customer": words,
            "client": words,
            "advertises": [],
        },
        channel=CampaignChannel.BEST,
        topic=f"event:{event.pk}",
        event_id=event.pk,
    )
    ids = list(segment_parties(event.segment.filters).values_list("pk", flat=True))
    counts = do_plan_mailing(mailing, ids, moment=now or timezone.now()).as_dict()
    Event.objects.filter(pk=event.pk).update(invited_at=timezone.now(), invitation=counts)
    return counts


def do_answer(event: Event, party: Party, *, coming: bool) -> Rsvp:
    with transaction.atomic():
        # One answer at a time per event, so the last seat is never given twice.
        list(Event.objects.select_for_update().filter(pk=event.pk).values_list("pk"))
        if coming and event.capacity is not None:
            taken = Rsvp.objects.filter(event=event, coming=True).exclude(party=party).count()
            if taken >= event.capacity:
                raise EventRefused("event.full")
        answer, _created = Rsvp.objects.update_or_create(
            event=event, party=party, defaults={"coming": coming, "answered_at": timezone.now()}
        )
        record_activity(party, "event.rsvp", data={"event": event.title, "coming": coming})
    return answer


def do_mark_attended(event: Event, party_ids: set[int], *, actor) -> int:
    """Who came (the others who said yes did not); each on their timeline."""
    changed = 0
    with transaction.atomic():
        for answer in Rsvp.objects.filter(event=event, coming=True):
            came = answer.party_id in party_ids
            if answer.attended is came:
                continue
            answer.attended = came
            answer.save(update_fields=["attended"])
            if came:
                record_activity(
                    answer.party_id, "event.attended", actor=actor, data={"event": event.title}
                )
            changed += 1
    return changed


def reminders(day: dt.date, notices) -> None:
    """The day before an event, everyone coming is reminded (a service message: they asked),
    among the day's notices (outreach.notices)."""
    from .notices import part

    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=KOREA)
    upcoming = Event.objects.filter(
        starts_at__gte=start, starts_at__lt=start + dt.timedelta(1), cancelled_at__isnull=True
    )
    for event in upcoming:
        for answer in Rsvp.objects.filter(event=event, coming=True).select_related("party"):
            party = answer.party
            channel = next(
                (c for c in (Channel.SMS, Channel.EMAIL) if party_address(party, c)), None
            )
            if channel is None:
                continue
            language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
            with translation.override(language):
                subject = _("Tomorrow: %(title)s") % {"title": event.title}
                body = _("A reminder: %(title)s, %(when)s%(place)s. See you there!") % {
                    "title": event.title,
                    "when": long_datetime(event.starts_at, language),
                    "place": f", {event.place}" if event.place else "",
                }
            notices.add(party, channel, part(subject, body, "reminder"))
