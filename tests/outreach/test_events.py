"""A seminar: invitations carry each party's RSVP link, answers respect the capacity, those
coming are reminded the day before, attendance lands on the timeline and feeds a follow-up."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from patron.outreach.daily import do_plan_day
from patron.outreach.delivery import compose
from patron.outreach.events import do_invite
from patron.outreach.models import Cadence, Event, OutboxMessage, Rsvp, Segment, Template
from patron.outreach.services import do_save_template
from patron.parties.models import Activity

from .conftest import at_kst, grant, make_party

SITE = "https://crm.hanok.example"


@pytest.fixture
def seminar(db, settings):
    settings.PATRON_SITE_URL = SITE
    parties = [make_party(i) for i in range(3)]
    grant(parties, "email", "newsletter")
    segment = Segment.objects.create(name="all", filters={"consent": ["newsletter"]})
    event = Event.objects.create(
        title="봄 다도 교실",
        starts_at=at_kst(2026, 6, 10, 14),
        place="한옥찻집 2층",
        capacity=1,
        segment=segment,
    )
    return event, parties


def rsvp_path(party) -> str:
    row = OutboxMessage.objects.get(party=party, topic__startswith="event:")
    text = compose(row, None).text
    return re.search(r"https://crm\.hanok\.example(/rsvp/[^\s]+/)", text).group(1)


def test_invitations_answers_capacity_reminders_and_attendance(seminar, manager):
    event, (first, second, third) = seminar
    assert do_invite(event, now=at_kst(2026, 6, 1, 11)) == {"planned_email": 3}
    assert do_invite(event, now=at_kst(2026, 6, 1, 12)) == {"skipped_already_planned": 3}
    visitor = Client()
    link = rsvp_path(first)
    assert visitor.get(link).status_code == 200 and not Rsvp.objects.exists()  # GET: nothing
    visitor.post(link, {"coming": "yes"})
    full = visitor.post(rsvp_path(second), {"coming": "yes"}).content.decode()
    assert "자리가 모두 찼습니다" in full  # in the party's language
    visitor.post(rsvp_path(third), {"coming": "no"})
    assert list(Rsvp.objects.values_list("party_id", "coming").order_by("party_id")) == [
        (first.pk, True),
        (third.pk, False),
    ]
    assert Client().post("/rsvp/tampered/", {"coming": "yes"}).status_code == 400

    assert do_plan_day(dt.date(2026, 6, 9)) == {"planned_reminders": 1}
    reminder = OutboxMessage.objects.get(topic="daily:2026-06-09")
    assert reminder.party == first and reminder.message_class == "service"
    assert reminder.content["kinds"] == ["reminder"]
    assert "2026년 6월 10일 (수) 오후" in reminder.content["body"]  # as Koreans write it

    staff = Client()
    staff.force_login(manager)
    staff.post(f"/events/{event.pk}/attendance/", {"came": [str(first.pk)]})
    assert Activity.objects.filter(party=first, verb="event.attended").exists()

    thanks = do_save_template(
        Template(
            name="감사",
            message_class="survey",
            subject="와 주셔서 감사합니다",
            body="{{ first_name }} 님, 수업은 어떠셨나요?",
        )
    )
    Cadence.objects.create(
        name="After", rule="after_event", days=1, template=thanks, channel="email"
    )
    grant([first], "email", "surveys")
    assert do_plan_day(dt.date(2026, 6, 11)) == {"planned_email": 1}


def test_the_event_page_previews_the_invitation_and_who_it_would_reach(seminar, manager):
    event, _parties = seminar
    client = Client()
    client.force_login(manager)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "봄 다도 교실" in page and "고객0000" in page  # the invitation as a guest reads it
    assert "Email: 3 parties" in page  # who it would reach, before anything is sent
    assert "/rsvp/preview-" in page  # the preview's answer link opens nothing


def test_after_inviting_the_page_says_who_was_not_invited_and_why(seminar, manager):
    event, _parties = seminar
    stranger = make_party(9)  # in no consent: the segment leaves them out
    said_no = make_party(10)
    grant([said_no], "email", "newsletter")
    grant([said_no], "email", "newsletter", granted=False)
    event.segment.filters = {}
    event.segment.save()
    do_invite(event, now=at_kst(2026, 6, 1, 11))
    client = Client()
    client.force_login(manager)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Not sent: they said no to this kind of message" in page
    assert "Not sent: no recorded consent for this kind of message on this channel" in page
    assert stranger.pk and said_no.pk


def test_a_cancelled_event_tells_those_coming_takes_no_answer_and_sends_no_reminder(
    seminar, manager
):
    from patron.outreach.events import EventRefused, do_answer, do_cancel_event

    event, parties = seminar
    do_answer(event, parties[0], coming=True)
    assert do_cancel_event(event, actor=manager) == 1
    told = OutboxMessage.objects.get(topic=f"event:{event.pk}:cancel")
    assert told.party == parties[0] and "취소" in told.content["subject"]
    with pytest.raises(EventRefused):
        do_answer(event, parties[1], coming=True)
    assert do_plan_day(dt.date(2026, 6, 9)) == {}  # no reminder for a cancelled event


def test_a_reminder_gathered_before_a_change_says_what_is_true_when_it_goes(seminar, manager):
    """The day's notices are planned in the morning and go at the owner's hour: an event
    changed, cancelled, or an answer turned to no in between changes what goes."""
    from patron.outreach.events import do_answer, do_cancel_event, do_save_event

    event, (first, second, third) = seminar
    event.capacity = 3
    event.save()
    for party in (first, second, third):
        do_answer(event, party, coming=True)
    assert do_plan_day(dt.date(2026, 6, 9)) == {"planned_reminders": 3}

    event.place = "한옥찻집 1층"
    do_save_event(event)
    notice = OutboxMessage.objects.get(party=first, topic="daily:2026-06-09")
    assert "한옥찻집 1층" in notice.content["body"] and "2층" not in notice.content["body"]

    do_answer(event, second, coming=False)
    assert OutboxMessage.objects.get(party=second, topic="daily:2026-06-09").status == "skipped"

    event.starts_at = at_kst(2026, 6, 12, 14)  # no longer tomorrow: this reminder goes nowhere
    do_save_event(event)
    assert OutboxMessage.objects.get(party=third, topic="daily:2026-06-09").status == "skipped"

    event.starts_at = at_kst(2026, 6, 10, 14)
    do_save_event(event)
    do_cancel_event(event, actor=manager)
    statuses = OutboxMessage.objects.filter(topic="daily:2026-06-09").values_list(
        "status", flat=True
    )
    assert set(statuses) == {"skipped"}


def test_a_notice_gathering_two_things_keeps_the_other_when_one_is_taken_out(db):
    from patron.outreach.notices import DayNotices, part, revise_parts

    party = make_party(1, locale="en")
    day = dt.date(2026, 6, 9)
    notices = DayNotices(day)
    notices.add(
        party, "email", part("Tomorrow: tea", "A reminder: tea.", "reminder", ref="event:7")
    )
    notices.add(party, "email", part("Still want our news?", "Two years ago...", "reconfirmation"))
    notices.queue()
    row = OutboxMessage.objects.get(party=party)
    assert row.content["subject"] == "2 notices from 한옥찻집"
    assert revise_parts("event:7", lambda who, when: None) == 1
    row.refresh_from_db()
    assert row.status == "queued" and row.content["kinds"] == ["reconfirmation"]
    assert (row.content["subject"], row.content["body"]) == (
        "Still want our news?",
        "Two years ago...",
    )
    assert revise_parts("event:7", lambda who, when: None) == 0  # nothing left about it


def test_an_event_in_the_past_or_with_no_places_is_refused(db, manager):
    client = Client()
    client.force_login(manager)
    segment = Segment.objects.create(name="all", filters={})
    form = {"title": "x", "starts_at": "2020-01-01T10:00", "segment": segment.pk,
            "message_class": "newsletter"}  # fmt: skip
    page = client.post("/events/", form).content.decode()
    assert "That time has passed" in page
    page = client.post("/events/", {**form, "starts_at": "2099-01-01T10:00", "capacity": "0"})
    assert "at least one place" in page.content.decode()
    assert not Event.objects.exists()
