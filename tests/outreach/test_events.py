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
