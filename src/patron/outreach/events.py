"""Seminars and events: invitations to a segment, answers through signed links (within the
capacity), a reminder the day before, attendance on each party's timeline."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.core.audit import log_state
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


def invitation_mailing(event: Event) -> Mailing:
    words = invitation_words(event)
    return Mailing(
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


def do_invite(event: Event, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Invite the event's segment (once: inviting again plans nothing twice), to go at the
    hour the owner set for automatic messages (now, when it has passed today)."""
    if event.cancelled_at:
        raise EventRefused("event.cancelled")
    from .daily import send_time

    now = now or timezone.now()
    moment = send_time(now.astimezone(KOREA).date(), now)
    ids = list(segment_parties(event.segment.filters).values_list("pk", flat=True))
    counts = do_plan_mailing(invitation_mailing(event), ids, moment=moment).as_dict()
    Event.objects.filter(pk=event.pk).update(invited_at=timezone.now(), invitation=counts)
    return counts


def do_cancel_event(event: Event, *, actor) -> int:
    """Cancelled: invitations not yet sent are dropped, answers close, no reminder goes, and
    everyone who said they would come is told (a service notice). How many were told."""
    from .models import OutboxMessage, OutboxStatus
    from .notices import revise_parts
    from .services import queue_notice

    with transaction.atomic():
        changed = Event.objects.filter(pk=event.pk, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
        if not changed:
            raise EventRefused("event.cancelled")
        OutboxMessage.objects.filter(
            topic=f"event:{event.pk}", status__in=(OutboxStatus.QUEUED, OutboxStatus.HELD)
        ).update(status=OutboxStatus.SKIPPED, reason={"code": "outreach.skip.cancelled"})
        revise_parts(f"event:{event.pk}", lambda party, day: None)  # no reminder goes
        told = 0
        for party, channel in _coming(event):
            language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
            with translation.override(language):
                subject = _("Cancelled: %(title)s") % {"title": event.title}
                body = _("We are sorry: %(title)s on %(when)s is cancelled.") % {
                    "title": event.title,
                    "when": long_datetime(event.starts_at, language),
                }
            told += bool(
                queue_notice(
                    party, channel, topic=f"event:{event.pk}:cancel", subject=subject, body=body
                )
            )
            record_activity(party, "event.cancelled", actor=actor, data={"event": event.title})
        log_state(actor, event, "cancelled")
    event.refresh_from_db()
    return told


def do_answer(event: Event, party: Party, *, coming: bool) -> Rsvp:
    if event.cancelled_at:
        raise EventRefused("event.cancelled")
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
        if not coming:  # a reminder already gathered for tomorrow does not go
            from .notices import revise_parts

            revise_parts(f"event:{event.pk}", lambda who, day: None, party_ids={party.pk})
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
        for party, channel in _coming(event):
            subject, body = reminder_words(event, party)
            notices.add(party, channel, part(subject, body, "reminder", ref=f"event:{event.pk}"))


def _coming(event: Event):
    """(party, channel) of everyone who said they would come: a text where they have a
    number (read soonest), email otherwise; those with neither cannot be told."""
    for answer in Rsvp.objects.filter(event=event, coming=True).select_related("party"):
        channel = next(
            (c for c in (Channel.SMS, Channel.EMAIL) if party_address(answer.party, c)), None
        )
        if channel is not None:
            yield answer.party, channel


def reminder_words(event: Event, party: Party) -> tuple[str, str]:
    language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
    with translation.override(language):
        subject = _("Tomorrow: %(title)s") % {"title": event.title}
        body = _("A reminder: %(title)s, %(when)s%(place)s. See you there!") % {
            "title": event.title,
            "when": long_datetime(event.starts_at, language),
            "place": f", {event.place}" if event.place else "",
        }
    return subject, body


def do_save_event(event: Event) -> Event:
    """Save a changed event; reminders gathered into notices not yet sent say what it is
    now, and one whose event no longer starts the next day is taken out."""
    from .notices import revise_parts

    with transaction.atomic():
        event.save()

        def revised(party: Party, day: dt.date):
            tomorrow = day + dt.timedelta(days=1)
            if event.starts_at.astimezone(KOREA).date() != tomorrow:
                return None
            return reminder_words(event, party)

        revise_parts(f"event:{event.pk}", revised)
    return event


def invitation_preview(event: Event, party: Party | None = None) -> dict:
    """The invitation as one party of the segment will read it (the first one), its RSVP link
    inert: what the owner sees before inviting."""
    from . import audience, links
    from .templating import render

    party = party or segment_parties(event.segment.filters).order_by("pk").first()
    words = invitation_words(event)
    values = {"first_name": "", "rsvp_url": links.inert(links.rsvp_url(event.pk, 0))}
    if party is not None:
        person = audience.people([party.pk])[party.pk]
        values["first_name"] = audience.first_name(person.name)
        values["rsvp_url"] = links.inert(links.rsvp_url(event.pk, party.pk))
    shown = render(words["subject"], words["body"], values, markdown=False)
    return {"party": party, "subject": shown.subject, "text": shown.text}


def invitation_reach(event: Event):
    """Before inviting: who each channel would reach, who would wait and who not, and why."""
    from patron.core.business import business

    from .models import PURPOSE_OF
    from .planner import usable_channels
    from .queries import reach

    channels, waiting = usable_channels(
        CampaignChannel.BEST, event.message_class, kakao=False, biz=business()
    )
    parties = segment_parties(event.segment.filters)
    return reach(parties, channels, waiting, PURPOSE_OF[event.message_class])


def invitation_report(event: Event) -> dict[str, int]:
    """After inviting: sent, delivered, waiting, and who was not invited and why."""
    from .models import OutboxMessage
    from .queries import outbox_report

    return outbox_report(OutboxMessage.objects.filter(topic=f"event:{event.pk}"))
