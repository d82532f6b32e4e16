"""At the counter: found by phone, a sale earns, points are used within the rules, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patron.loyalty import ledger
from patron.loyalty.counter import CounterRefused, do_counter_sale, find_by_phone
from patron.loyalty.program import program
from patron.parties.models import Activity, ContactPoint

from .conftest import make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    row = program()
    row.enabled, row.starts_on, row.rate_percent = True, dt.date(2026, 1, 1), Decimal(1)
    row.pending_days, row.min_balance_to_use, row.max_share_percent = 0, 1000, 50
    row.save()
    return row


def test_a_party_is_found_by_any_number_they_gave(db):
    party = make_party(1, phone=True)
    ContactPoint.objects.create(party=party, kind="phone", value="+821099998888")
    assert find_by_phone("010-9999-8888") == [party]
    assert find_by_phone("+82 10 1000 0001") == [party]
    with pytest.raises(CounterRefused):
        find_by_phone("hello")


def test_a_sale_uses_points_within_the_rules_and_earns_on_the_money_paid(rules, owner):
    party = make_party(1, phone=True)
    ledger.earn(
        party.pk, 5000, key="seed", reason={}, available_at=ledger.timezone.now(), expires_at=None
    )
    with pytest.raises(CounterRefused):  # more than half the sale
        do_counter_sale(party, 8000, 4500, number="T1", actor=owner)
    sale = do_counter_sale(party, 8000, 4000, number="T1", actor=owner)
    assert (sale.used, sale.earned, sale.balance) == (4000, 40, 1040)
    again = do_counter_sale(party, 8000, 4000, number="T1", actor=owner)  # the same tap
    assert again.balance == 1040 and again.order.pk == sale.order.pk
    assert Activity.objects.filter(party=party, verb="points.counter_sale").count() == 1
    assert ledger.consistent(party.pk)


def test_below_the_minimum_balance_no_points_can_be_used(rules, owner):
    party = make_party(1)
    ledger.earn(
        party.pk, 900, key="seed", reason={}, available_at=ledger.timezone.now(), expires_at=None
    )
    with pytest.raises(CounterRefused) as refused:
        do_counter_sale(party, 10_000, 500, number="T2", actor=owner)
    assert refused.value.params == {"asked": 500, "most": 0}


def test_the_owner_sets_the_rules_and_staff_cannot(client, owner, teammate):
    client.force_login(teammate)
    assert client.get("/points/settings/").status_code == 403
    client.force_login(owner)
    form = {
        "enabled": "on",
        "starts_on": "",
        "rate_percent": "2",
        "rounding": "10",
        "pending_days": "7",
        "lifetime_months": "36",
        "min_balance_to_use": "1000",
        "max_share_percent": "50",
        "cap_per_order": "0",
        "cap_per_30_days": "0",
        "birthday_bonus": "2000",
        "referral_bonus": "0",
        "excluded": "smartstore, Coupang",
    }
    refused = client.post("/points/settings/", form)
    assert refused.status_code == 200 and not program().enabled  # no start day: refused
    client.post("/points/settings/", {**form, "starts_on": "2026-12-01"})
    rules = program()
    assert rules.enabled and rules.rate_percent == 2 and rules.rounding == 10
    assert rules.excluded_sources == ["smartstore", "coupang"]
    assert rules.birthday_bonus == 2000
