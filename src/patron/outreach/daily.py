"""The daily planner: each cadence's contacts due today, and the 2-year consent reconfirmation.

Automatic messages go through the same planner as campaigns (consent, pressure, night rule);
personal contacts become tasks for the party's account manager. Every message and task has a
key made of the cadence and the day (or year, or month), so planning a day again plans
nothing twice: what exists is counted as ``skipped_already_planned``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.commerce.models import Engagement
from patron.core.business import business
from patron.parties.models import Consent, Purpose
from patron.parties.queries import live_parties

from . import links
from .channels.status import channel_states
from .events import reminders
from .models import (
    ANY,
    Cadence,
    CadenceRule,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    Task,
    TaskStatus,
)
from .planner import Mailing, do_plan_mailing
from .rules import KOREA
from .services import party_address, queue_notice, template_snapshot
from .wording import channel_label, topic_label

SEND_HOUR = 10  # automatic messages of the day go out from 10:00 Korean time
RECONFIRM_DAYS = 730  # 정보통신망법 §50⑧ / 시행령 §62의3: every two years
RECONFIRMED = (Purpose.MARKETING, Purpose.NEWSLETTER, Purpose.SURVEYS, Purpose.NIGHT)


def send_time(day: dt.date, now: dt.datetime) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(SEND_HOUR), tzinfo=KOREA)
    return start if now < start or now.astimezone(KOREA).date() > day else now


def do_plan_day(day: dt.date, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Plan every enabled cadence for the day, and the reconfirmations due; the counts."""
    now = now or timezone.now()
    moment = send_time(day, now)
    counts: Counter = Counter()
    for cadence in Cadence.objects.filter(enabled=True).select_related("template"):
        if cadence.rule == CadenceRule.CHECK_IN:
            counts.update(_check_in_tasks(cadence, day))
            continue
        if cadence.template is None:
            counts["skipped_no_template"] += 1
            continue
        audience = _audience(cadence, day)
        if audience is None:
            continue  # not this cadence's day (a newsletter on another day of the month)
        key, ids = audience
        mailing = Mailing(
            key=key,
            snapshot=template_snapshot(cadence.template, []),
            channel=cadence.channel,
            topic=f"cadence:{cadence.pk}",
        )
        planned = do_plan_mailing(mailing, ids, moment=moment).counts
        counts.update(planned)
    counts.update(_reconfirmations(day))
    counts.update(reminders(day))
    return dict(sorted(counts.items()))


def _kind_filter(cadence: Cadence) -> Q:
    return Q() if cadence.kind == ANY else Q(relationship__kind=cadence.kind)


def _audience(cadence: Cadence, day: dt.date) -> tuple[str, list[int]] | None:
    parties = live_parties().filter(_kind_filter(cadence))
    if cadence.rule == CadenceRule.BIRTHDAY:
        found = parties.filter(_on_this_day("birthday", day))
        return f"cadence:{cadence.pk}:{day.year}", _ids(found)
    if cadence.rule == CadenceRule.ANNIVERSARY:
        found = parties.filter(_on_this_day("relationship__since", day)).filter(
            relationship__since__year__lt=day.year
        )
        return f"cadence:{cadence.pk}:{day.year}", _ids(found)
    if cadence.rule in (CadenceRule.SURVEY_AFTER_ENGAGEMENT, CadenceRule.REVIEW_REQUEST):
        ended = day - dt.timedelta(days=cadence.days)
        start = dt.datetime.combine(ended, dt.time(), tzinfo=KOREA)
        finished = Engagement.objects.filter(
            party=OuterRef("pk"), ended_at__gte=start, ended_at__lt=start + dt.timedelta(days=1)
        )
        return f"cadence:{cadence.pk}:{day}", _ids(parties.filter(Exists(finished)))
    if cadence.rule == CadenceRule.AFTER_EVENT:
        held = day - dt.timedelta(days=cadence.days)
        start = dt.datetime.combine(held, dt.time(), tzinfo=KOREA)
        came = Rsvp.objects.filter(
            party=OuterRef("pk"),
            attended=True,
            event__starts_at__gte=start,
            event__starts_at__lt=start + dt.timedelta(days=1),
        )
        return f"cadence:{cadence.pk}:{day}", _ids(parties.filter(Exists(came)))
    if cadence.rule == CadenceRule.NEWSLETTER:
        if day.day != max(cadence.days, 1):
            return None
        return f"cadence:{cadence.pk}:{day:%Y-%m}", _ids(parties)
    return None


def _on_this_day(field: str, day: dt.date) -> Q:
    condition = Q(**{f"{field}__month": day.month, f"{field}__day": day.day})
    if (day.month, day.day) == (2, 28) and not _leap(day.year):
        condition |= Q(**{f"{field}__month": 2, f"{field}__day": 29})  # born on the 29th
    return condition


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _ids(parties: QuerySet) -> list[int]:
    return list(parties.values_list("pk", flat=True))


def _check_in_tasks(cadence: Cadence, day: dt.date) -> Counter:
    """A client nobody has contacted for ``days`` days gets a check-in task for their account
    manager (a dormant client is called, not sent a discount)."""
    days = cadence.days or 90
    cutoff = dt.datetime.combine(day - dt.timedelta(days=days), dt.time(), tzinfo=KOREA)
    touched = OutboxMessage.objects.filter(
        party=OuterRef("pk"), status=OutboxStatus.SENT, sent_at__gte=cutoff
    )
    done = Task.objects.filter(party=OuterRef("pk"), status=TaskStatus.DONE, done_at__gte=cutoff)
    parties = (
        live_parties()
        .filter(_kind_filter(cadence))
        .filter(Q(relationship__since__lte=cutoff.date()) | Q(created_at__lte=cutoff))
        .exclude(Exists(touched))
        .exclude(Exists(done))
        .values_list("pk", "relationship__owner_id")
    )
    counts: Counter = Counter()
    existing_open = set(
        Task.objects.filter(
            status=TaskStatus.OPEN, dedupe_key__startswith=f"cadence:{cadence.pk}:"
        ).values_list("party_id", flat=True)
    )
    new = []
    for party_id, owner_id in parties:
        if party_id in existing_open:
            counts["skipped_already_planned"] += 1
            continue
        new.append(
            Task(
                party_id=party_id,
                assignee_id=owner_id,
                action={"code": "task.check_in", "days": days},
                due=day,
                dedupe_key=f"cadence:{cadence.pk}:party:{party_id}:{day}",
            )
        )
    with transaction.atomic():
        Task.objects.bulk_create(new, batch_size=1000)
    if new:
        counts["planned_tasks"] += len(new)
    return counts


def _reconfirmations(day: dt.date) -> Counter:
    """Everyone whose "yes" is two years old (or four, ...) is reminded what they agreed to,
    and how to stop, once per two years (정보통신망법 §50⑧)."""
    cutoff = dt.datetime.combine(day - dt.timedelta(days=RECONFIRM_DAYS), dt.time(), tzinfo=KOREA)
    newer = Consent.objects.filter(
        party=OuterRef("party"),
        channel=OuterRef("channel"),
        purpose=OuterRef("purpose"),
        recorded_at__gt=OuterRef("recorded_at"),
    )
    due = (
        Consent.objects.filter(
            granted=True,
            purpose__in=RECONFIRMED,
            recorded_at__lte=cutoff,
            party__merged_into__isnull=True,
        )
        .exclude(Exists(newer))
        .select_related("party")
        .order_by("party_id", "channel")
    )
    counts: Counter = Counter()
    states = channel_states()
    for consent in due.iterator(chunk_size=1000):
        party = consent.party
        if not party_address(party, consent.channel):
            continue
        period = (day - consent.recorded_at.astimezone(KOREA).date()).days // RECONFIRM_DAYS
        topic = f"reconfirm:{consent.pk}:{period}"
        with translation.override(party.locale or settings.PATRON_MESSAGE_LANGUAGE):
            subject = _("What you agreed to receive from %(business)s") % {
                "business": business().display_name
            }
            body = _(
                "On %(date)s you agreed to receive %(topic)s by %(channel)s from %(business)s, "
                "and you still do. Nothing changes if you want to keep it. To stop, or to "
                "choose what you receive: %(url)s"
            ) % {
                "date": consent.recorded_at.astimezone(KOREA).date().isoformat(),
                "topic": topic_label(consent.purpose),
                "channel": channel_label(consent.channel),
                "business": business().display_name,
                "url": links.preferences_url(party.pk),
            }
        queued = queue_notice(
            party, consent.channel, topic=topic, subject=subject, body=body, states=states
        )
        counts["planned_reconfirmations" if queued else "skipped_already_planned"] += 1
    return counts
