from __future__ import annotations

from patron.analytics import ClassifyThresholds, PartyFacts, classify
from patron.analytics.classify import count_occasions


def test_catalogue_only_buyer_is_a_customer_with_the_reason():
    result = classify(PartyFacts(purchases=7, tenure_days=800))
    assert result.kind == "customer"
    assert result.reasons == [{"code": "reason.catalogue_only", "purchases": 7}]


def test_repeat_tailored_work_over_time_makes_a_client():
    facts = PartyFacts(
        purchases=4,
        tailored_purchases=3,
        tailored_occasions=3,
        tailored_first_days_ago=700,
        tailored_last_days_ago=60,
        tenure_days=700,
    )
    result = classify(facts)
    assert result.kind == "client"
    assert {"code": "reason.tailored_repeat", "times": 3, "days": 640} in result.reasons
    assert {"code": "reason.tenure", "days": 700} in result.reasons


def test_one_tailored_job_alone_is_not_yet_a_client():
    facts = PartyFacts(
        purchases=1,
        tailored_purchases=1,
        tailored_occasions=1,
        tailored_first_days_ago=10,
        tailored_last_days_ago=10,
        tenure_days=10,
    )
    result = classify(facts)
    assert result.kind == "customer"
    # A customer's first reason says why it is one; the sign of a closer relationship follows.
    assert result.reasons[0] == {"code": "reason.not_yet_client", "points": 2, "needed": 3}
    assert {"code": "reason.tailored_some", "times": 1} in result.reasons


def test_an_order_and_the_appointment_it_paid_for_are_one_piece_of_work():
    assert count_occasions([0.0, 0.2, 3.0]) == 1  # the order, the shoot three days later
    assert count_occasions([0.0, 200.0, 203.0, 400.0]) == 3


def test_an_account_manager_makes_a_client():
    result = classify(PartyFacts(purchases=2, has_account_manager=True))
    assert result.kind == "client"
    assert {"code": "reason.account_manager"} in result.reasons


def test_a_business_that_reorders_is_a_client_only_when_it_reorders():
    assert (
        classify(
            PartyFacts(
                purchases=12,
                is_business=True,
                tailored_purchases=1,
                tailored_occasions=1,
                tailored_first_days_ago=5,
                tailored_last_days_ago=5,
            )
        ).kind
        == "client"
    )
    assert classify(PartyFacts(purchases=1, is_business=True)).kind == "customer"


def test_thresholds_are_configurable():
    facts = PartyFacts(purchases=2, has_account_manager=True)
    assert classify(facts, ClassifyThresholds(client_points=5)).kind == "customer"


def test_a_regular_who_keeps_booking_is_a_client_said_as_bookings():
    facts = PartyFacts(
        tailored_occasions=3,
        tailored_first_days_ago=130,
        tailored_last_days_ago=20,
        bookings_kept=3,
        bookings_first_days_ago=130,
        bookings_last_days_ago=20,
        tenure_days=130,
    )
    result = classify(facts)
    assert result.kind == "client"
    assert result.reasons == [{"code": "reason.bookings_kept", "times": 3, "days": 110}]


def test_bookings_within_a_few_weeks_are_not_yet_a_regular():
    facts = PartyFacts(
        tailored_occasions=1,
        tailored_first_days_ago=30,
        tailored_last_days_ago=10,
        bookings_kept=3,
        bookings_first_days_ago=30,
        bookings_last_days_ago=10,
        tenure_days=30,
    )
    result = classify(facts)
    assert result.kind == "customer"
    assert {"code": "reason.tailored_some", "times": 1} in result.reasons
