"""Bookings and keeping in touch: a party with a booking ahead is not won back (no next best
action, no check-in, not in a "we miss you" segment); a survey follows only a visit that took
place; an incident leaves out bookings that were cancelled or missed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from patron.commerce.models import Engagement, EngagementKind, Offering
from patron.core.wording import say
from patron.insight.models import PartyScore
from patron.outreach.daily import do_plan_day
from patron.outreach.incidents import affected_parties
from patron.outreach.models import Cadence, Incident, OutboxMessage, Task, Template
from patron.outreach.nba import next_actions, party_action
from patron.outreach.segments import segment_parties
from patron.outreach.services import do_save_template

from .conftest import KST, at_kst, make_party

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


def book(party, at: dt.datetime, status: str, **fields) -> Engagement:
    return Engagement.objects.create(
        party=party,
        kind=fields.pop("kind", EngagementKind.APPOINTMENT),
        title="가족사진 촬영",
        started_at=at,
        status=status,
        **fields,
    )


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def scored(party, stage: str, clv: float = 300, last_purchase: dt.date = DAY) -> PartyScore:
    return PartyScore.objects.create(
        party=party,
        frequency=4,
        recency=20,
        age=40,
        monetary=80,
        first_purchase=DAY - dt.timedelta(days=400),
        last_purchase=last_purchase,
        p_alive=0.2,
        expected_purchases_90d=0.1,
        expected_spend=5,
        clv=clv,
        stage=stage,
    )


def test_a_slipping_party_with_a_booking_ahead_is_not_won_back():
    coming, cancelled, gone = make_party(1), make_party(2), make_party(3)
    for i, party in enumerate((coming, cancelled, gone)):
        scored(party, "at_risk", clv=300 - i)
    book(coming, in_days(5), "booked")
    book(cancelled, in_days(5), "cancelled")  # a booking called off is no booking
    book(gone, in_days(-2), "booked")  # its day has passed
    assert {action.party.pk for action in next_actions()} == {cancelled.pk, gone.pk}
    action = party_action(coming)
    assert action["code"] == "nba.booked_ahead" and action["stage"] == "at_risk"
    assert say(action) == "None for now: they have a booking in 5 days."
    assert party_action(cancelled)["code"] != "nba.booked_ahead"


def dormant_client(manager, i: int):
    party = make_party(i, kind="client")
    party.created_at = timezone.now() - dt.timedelta(days=400)
    party.save(update_fields=["created_at"])
    party.relationship.owner = manager
    party.relationship.since = DAY - dt.timedelta(days=365)
    party.relationship.save()
    return party


def test_a_quiet_client_who_has_booked_gets_no_check_in(manager):
    Cadence.objects.create(name="Check in", rule="check_in", kind="client", days=90)
    booked, cancelled, came = (dormant_client(manager, i) for i in (1, 2, 3))
    week_on = dt.datetime.combine(DAY + dt.timedelta(days=7), dt.time(11), tzinfo=KST)
    book(booked, week_on, "booked")
    book(cancelled, week_on, "cancelled")
    book(came, week_on - dt.timedelta(days=10), "booked")  # before the day: not ahead
    assert do_plan_day(DAY) == {"planned_tasks": 2}
    assert set(Task.objects.values_list("party_id", flat=True)) == {cancelled.pk, came.pk}


def test_a_check_in_planned_before_the_booking_waits_while_it_is_ahead(manager):
    Cadence.objects.create(name="Check in", rule="check_in", kind="client", days=90)
    party = dormant_client(manager, 1)
    do_plan_day(timezone.localdate())
    client = Client()
    client.force_login(manager)
    assert party.display_name in client.get("/today/").content.decode()
    booking = book(party, in_days(4), "booked")  # the booking export came in later that day
    assert party.display_name not in client.get("/today/").content.decode()
    booking.status = "cancelled"
    booking.save(update_fields=["status"])
    assert party.display_name in client.get("/today/").content.decode()


def test_a_win_back_segment_leaves_out_who_has_booked():
    quiet_booked, quiet, active_booked = make_party(1), make_party(2), make_party(3)
    long_ago = DAY - dt.timedelta(days=200)
    scored(quiet_booked, "at_risk", last_purchase=long_ago)
    scored(quiet, "dormant", last_purchase=long_ago)
    scored(active_booked, "active")
    book(quiet_booked, in_days(3), "booked")
    book(active_booked, in_days(3), "booked")

    def found(filters: dict) -> set[int]:
        return set(segment_parties(filters, today=DAY).values_list("pk", flat=True))

    assert found({"stage": ["at_risk", "dormant"]}) == {quiet.pk}
    assert found({"stage": ["at_risk", "active"]}) == {active_booked.pk}
    assert found({"quiet_days": 90}) == {quiet.pk}
    assert found({}) == {quiet_booked.pk, quiet.pk, active_booked.pk}


def test_a_survey_follows_only_a_visit_that_took_place():
    survey = do_save_template(
        Template(
            name="설문",
            message_class="survey",
            subject="어떠셨나요?",
            body="{{ first_name }} 님, 촬영은 어떠셨나요?",
        )
    )
    Cadence.objects.create(
        name="Survey", rule="survey_after", days=3, template=survey, channel="email"
    )
    visit = dt.datetime.combine(DAY - dt.timedelta(days=3), dt.time(14), tzinfo=KST)
    came, confirmed, missed, cancelled, project, other_day = (make_party(i) for i in range(6))
    book(came, visit, "done")
    book(confirmed, visit, "booked")  # said only 확정; its day has passed: it took place
    book(missed, visit, "no_show")
    book(cancelled, visit, "cancelled")
    book(project, visit - dt.timedelta(days=30), "done", kind="project", ended_at=visit)
    book(other_day, visit - dt.timedelta(days=1), "done")
    do_plan_day(DAY)
    planned = set(OutboxMessage.objects.values_list("party_id", flat=True))
    assert planned == {came.pk, confirmed.pk, project.pk}


def test_an_incident_leaves_out_bookings_cancelled_or_missed():
    tea = Offering.objects.create(name="다도 수업")
    incident = Incident.objects.create(
        title="찻집 누수", starts_at=at_kst(2026, 6, 1, 9), ends_at=at_kst(2026, 6, 3, 18)
    )
    incident.offerings.add(tea)
    parties = {
        status: make_party(i) for i, status in enumerate(("done", "booked", "no_show", "cancelled"))
    }
    for status, party in parties.items():
        book(party, at_kst(2026, 6, 2, 14), status, offering=tea)
    found = set(affected_parties(incident).values_list("pk", flat=True))
    assert found == {parties["done"].pk, parties["booked"].pk}
