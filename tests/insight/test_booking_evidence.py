"""Bookings as evidence of a relationship: only those that took place count. A cancelled
booking or a no-show is no service given, and one still ahead is not yet (and never makes a
day count negative)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patron.commerce.models import Engagement, EngagementKind, EngagementStatus, Offering
from patron.core.wording import say
from patron.insight.classification import do_classify, party_facts
from patron.parties.models import Party, Relationship

pytestmark = pytest.mark.django_db


def person(name: str) -> Party:
    party = Party.objects.create(display_name=name, name_key=name)
    Relationship.objects.create(party=party)
    return party


def book(party: Party, days_from_now: float, status: str, offering: Offering | None = None):
    return Engagement.objects.create(
        party=party,
        kind=EngagementKind.APPOINTMENT,
        title=offering.name if offering else "Cut and colour",
        offering=offering,
        started_at=timezone.now() + dt.timedelta(days=days_from_now),
        status=status,
    )


def test_three_bookings_that_took_place_over_months_make_a_client_with_that_reason():
    regular = person("Regular")
    book(regular, -150, EngagementStatus.DONE)
    book(regular, -90, EngagementStatus.DONE)
    # The export said only 확정 (booked) of a visit whose day has passed: it took place.
    book(regular, -20, EngagementStatus.BOOKED)
    book(regular, -60, EngagementStatus.NO_SHOW)  # none of these count
    book(regular, -40, EngagementStatus.CANCELLED)
    book(regular, 10, EngagementStatus.BOOKED)
    do_classify()
    relationship = Relationship.objects.get(party=regular)
    assert relationship.kind == "client"
    assert relationship.reasons == [{"code": "reason.bookings_kept", "times": 3, "days": 130}]
    assert say(relationship.reasons[0]) == "came to 3 booked appointments over 4 months"
    assert relationship.since == timezone.localdate(timezone.now() - dt.timedelta(days=150))


def test_only_cancelled_and_missed_bookings_are_no_evidence():
    flaky = person("Flaky")
    for days, status in (
        (-300, "cancelled"),
        (-200, "no_show"),
        (-100, "no_show"),
        (-5, "cancelled"),
    ):
        book(flaky, days, status)
    do_classify()
    relationship = Relationship.objects.get(party=flaky)
    assert relationship.kind == "customer"
    assert relationship.reasons == [{"code": "reason.catalogue_only", "purchases": 0}]
    assert relationship.since is None  # a relationship that never started


def test_a_booking_still_ahead_is_not_yet_evidence_and_counts_no_negative_days():
    newcomer = person("Newcomer")
    book(newcomer, 3, EngagementStatus.BOOKED)
    book(newcomer, 30, EngagementStatus.BOOKED)
    facts, since = party_facts([newcomer.pk])[newcomer.pk]
    assert facts.tailored_occasions == facts.bookings_kept == 0
    assert facts.tailored_last_days_ago is None and facts.bookings_last_days_ago is None
    assert facts.tenure_days == 0.0 and since is None


def test_bookings_of_what_a_person_said_is_a_catalogue_product_are_not_tailored_work(owner):
    parking = Offering.objects.create(name="Parking", kind="catalogue", kind_set_by=owner)
    guessed = Offering.objects.create(name="Cut and colour", kind="catalogue")  # Patron's guess
    said, guess = person("Said"), person("Guess")
    for days in (-150, -90, -20):
        book(said, days, EngagementStatus.DONE, parking)
        book(guess, days, EngagementStatus.DONE, guessed)
    do_classify()
    assert Relationship.objects.get(party=said).kind == "customer"
    assert Relationship.objects.get(party=guess).kind == "client"
