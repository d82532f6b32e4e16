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

from patron.commerce.bookings import BOOKING_KINDS, booked_ahead, took_place
from patron.commerce.models import Engagement
from patron.core.business import business
from patron.core.formats import long_date
from patron.parties.models import Consent, Purpose
from patron.parties.queries import live_parties

from . import links
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
from .notices import DayNotices, part
from .planner import Mailing, do_plan_mailing, holdout_of
from .rules import KOREA, quiet_hours_end
from .services import party_address, template_snapshot
from .wording import channel_label, topic_label

RECONFIRM_DAYS = 730  # 정보통신망법 §50⑧ / 시행령 §62의3: every two years
RECONFIRMED = (Purpose.MARKETING, Purpose.NEWSLETTER, Purpose.SURVEYS, Purpose.NIGHT)


def send_time(day: dt.date, now: dt.datetime) -> dt.datetime:
    """When the day's automatic messages go: the hour the owner set (Business settings,
    10:00 by default, Korean time), or, when a plan runs after that hour (retried, or a
    day caught up), now; never inside the quiet hours: a late plan's messages wait for the
    morning."""
    biz = business()
    start = dt.datetime.combine(day, dt.time(biz.notice_hour), tzinfo=KOREA)
    return start if now < start else quiet_hours_end(now, biz)


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
        audience = _audience(cadence, day, moment)
        if audience is None:
            continue  # not this cadence's day (a newsletter on another day of the month)
        key, ids = audience
        snapshot = template_snapshot(cadence.template, [])
        mailing = Mailing(
            key=key,
            snapshot=snapshot,
            channel=cadence.channel,
            topic=f"cadence:{cadence.pk}",
            holdout_percent=holdout_of(cadence.holdout_percent, snapshot["message_class"]),
            holdout_seed=f"cadence:{cadence.pk}",
        )
        planned = do_plan_mailing(mailing, ids, moment=moment).counts
        counts.update(planned)
    notices = DayNotices(day, at=moment)
    # Reminders first (few): a party's reminder and reconfirmations share one message.
    reminders(day, notices)
    _reconfirmations(day, notices)
    counts.update(notices.queue())
    return dict(sorted(counts.items()))


def _kind_filter(cadence: Cadence) -> Q:
    return Q() if cadence.kind == ANY else Q(relationship__kind=cadence.kind)


def _audience(cadence: Cadence, day: dt.date, now: dt.datetime) -> tuple[str, list[int]] | None:
    parties = live_parties().filter(_kind_filter(cadence))
    if cadence.rule == CadenceRule.BIRTHDAY:
        found = parties.filter(on_this_day("birthday", day))
        return f"cadence:{cadence.pk}:{day.year}", _ids(found)
    if cadence.rule == CadenceRule.ANNIVERSARY:
        found = parties.filter(on_this_day("relationship__since", day)).filter(
            relationship__since__year__lt=day.year
        )
        return f"cadence:{cadence.pk}:{day.year}", _ids(found)
    if cadence.rule in (CadenceRule.SURVEY_AFTER_ENGAGEMENT, CadenceRule.REVIEW_REQUEST):
        ended = day - dt.timedelta(days=cadence.days)
        start = dt.datetime.combine(ended, dt.time(), tzinfo=KOREA)
        return f"cadence:{cadence.pk}:{day}", _ids(parties.filter(Exists(_finished(start, now))))
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


def _finished(start: dt.datetime, now: dt.datetime) -> QuerySet:
    """Engagements that took place (bookings.took_place) and finished on the day from
    ``start``: a survey or a review request follows service given, never a cancelled booking
    or a no-show. A booked appointment has no end in its export: it ends on its day."""
    end = start + dt.timedelta(days=1)
    ended = Q(ended_at__gte=start, ended_at__lt=end)
    visited = Q(
        ended_at__isnull=True, kind__in=BOOKING_KINDS, started_at__gte=start, started_at__lt=end
    )
    return Engagement.objects.filter(took_place(now), ended | visited, party=OuterRef("pk"))


def on_this_day(field: str, day: dt.date) -> Q:
    """A date field falling on this day of the year (the 29th of February on the 28th
    in other years)."""
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
    manager (a dormant client is called, not sent a discount); not one with a booking from
    the day on: they are coming, and the visit is the contact."""
    days = cadence.days or 90
    cutoff = dt.datetime.combine(day - dt.timedelta(days=days), dt.time(), tzinfo=KOREA)
    day_start = dt.datetime.combine(day, dt.time(), tzinfo=KOREA)
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
        .exclude(booked_ahead(day_start))
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


RECONFIRM_CHUNK = 1000


def _reconfirmations(day: dt.date, notices: DayNotices) -> None:
    """Everyone whose "yes" is two years old (or four, ...) is reminded what they agreed to,
    and how to stop, once per two years (정보통신망법 §50⑧): the yeses due the same day for
    one person and channel in one message.

    Read in chunks of whole parties, each chunk's messages written before the next is read:
    memory stays bounded, and no read cursor stays open while this connection writes (on
    SQLite, a read held across another process's commit makes the next write fail at once
    with "database is locked")."""
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
            decided_at__lte=cutoff,
            party__merged_into__isnull=True,
        )
        .exclude(Exists(newer))
        .order_by("party_id", "channel", "pk")
    )
    name = business().display_name
    for ids in _whole_parties(list(due.values_list("pk", "party_id")), RECONFIRM_CHUNK):
        chunk = Consent.objects.filter(pk__in=ids).select_related("party")
        parties = set()
        for consent in chunk.order_by("party_id", "channel", "pk"):
            party = consent.party
            parties.add(party.pk)
            period = (day - consent.decided_at.astimezone(KOREA).date()).days // RECONFIRM_DAYS
            if consent.reconfirmed_period >= period or not party_address(party, consent.channel):
                continue
            notices.add(party, consent.channel, _reconfirmation(consent, period, name))
        notices.flush(parties)


def _whole_parties(rows: list[tuple[int, int]], size: int) -> list[list[int]]:
    """(pk, party) rows ordered by party, cut into chunks of about ``size`` that never split
    a party's rows (its decisions share one message)."""
    chunks: list[list[int]] = []
    last_party = None
    for pk, party_id in rows:
        if not chunks or (len(chunks[-1]) >= size and party_id != last_party):
            chunks.append([])
        chunks[-1].append(pk)
        last_party = party_id
    return chunks


def _reconfirmation(consent: Consent, period: int, business_name: str):
    party = consent.party
    language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
    with translation.override(language):
        subject = _("What you agreed to receive from %(business)s") % {"business": business_name}
        body = _(
            "On %(date)s you agreed to receive %(topic)s by %(channel)s from %(business)s, "
            "and you still do. Nothing changes if you want to keep it. To stop, or to "
            "choose what you receive: %(url)s"
        ) % {
            "date": long_date(consent.decided_at.astimezone(KOREA).date(), language),
            "topic": topic_label(consent.purpose),
            "channel": channel_label(consent.channel),
            "business": business_name,
            "url": links.preferences_url(party.pk),
        }

    def mark() -> None:
        Consent.objects.filter(pk=consent.pk).update(reconfirmed_period=period)

    return part(subject, body, "reconfirmation", mark)
