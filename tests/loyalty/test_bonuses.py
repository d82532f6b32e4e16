"""Birthday and referral bonuses: given once, only to those they are for, never to someone
referring themselves, and only after the referred party's first purchase has settled."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from patron.commerce.models import Order
from patron.loyalty import ledger
from patron.loyalty.bonuses import (
    ReferralRefused,
    do_birthday_bonuses,
    do_record_referral,
    settle_referrals,
)
from patron.loyalty.models import Referral
from patron.loyalty.program import program
from patron.parties.models import ContactPoint

from .conftest import make_party

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
NOW = dt.datetime(2026, 12, 8, 9, tzinfo=SEOUL)


@pytest.fixture
def rules():
    row = program()
    row.enabled, row.starts_on, row.rate_percent = True, dt.date(2025, 1, 1), Decimal(1)
    row.birthday_bonus, row.referral_bonus, row.pending_days = 2000, 3000, 7
    row.save()
    return row


def buy(party, when, *, source="cafe24", status="paid", n=[0]):  # noqa: B006
    n[0] += 1
    return Order.objects.create(
        source=source,
        external_id=f"B{n[0]}",
        party=party,
        occurred_at=when,
        status=status,
        currency="KRW",
        amount=50_000,
        row_digest="x",
    )


def test_a_birthday_present_goes_once_a_year_to_those_who_bought_this_year(rules):
    regular, lapsed, marketplace_only = make_party(1), make_party(2), make_party(3)
    leap = make_party(4)
    for party, born in ((regular, 12), (lapsed, 12), (marketplace_only, 12)):
        party.birthday = dt.date(1990, born, 8)
        party.save()
    leap.birthday = dt.date(1992, 2, 29)
    leap.save()
    buy(regular, NOW - dt.timedelta(days=40))
    buy(lapsed, NOW - dt.timedelta(days=500))
    buy(marketplace_only, NOW - dt.timedelta(days=40), source="smartstore")
    assert do_birthday_bonuses(NOW.date(), now=NOW) == {"given": 1}
    assert do_birthday_bonuses(NOW.date(), now=NOW) == {"given_already": 1}
    assert ledger.balance_of(regular.pk) == 2000 and ledger.balance_of(lapsed.pk) == 0
    assert ledger.balance_of(marketplace_only.pk) == 0  # the marketplace's own points
    buy(leap, NOW - dt.timedelta(days=10))
    assert do_birthday_bonuses(dt.date(2027, 2, 28), now=NOW) == {"given": 1}  # not a leap year


def test_a_referral_pays_once_the_first_purchase_has_settled(rules):
    referrer, newcomer = make_party(1), make_party(2)
    referral = do_record_referral(newcomer, referrer)
    assert settle_referrals(now=NOW) == {"waiting": 1}  # no purchase yet
    first = buy(newcomer, NOW)
    assert settle_referrals(now=NOW + dt.timedelta(days=6)) == {"waiting": 1}  # pending
    assert settle_referrals(now=NOW + dt.timedelta(days=7)) == {"rewarded": 1}
    assert settle_referrals(now=NOW + dt.timedelta(days=8)) == {}
    assert ledger.balance_of(referrer.pk) == 3000 and ledger.balance_of(newcomer.pk) == 0
    referral.refresh_from_db()
    assert referral.rewarded.reason == {
        "code": "points.earn.referral",
        "name": newcomer.display_name,
    }
    assert first.pk


def test_a_cancelled_first_purchase_pays_nothing(rules):
    referrer, newcomer = make_party(1), make_party(2)
    do_record_referral(newcomer, referrer)
    buy(newcomer, NOW, status="cancelled")
    assert settle_referrals(now=NOW + dt.timedelta(days=30)) == {"waiting": 1}
    assert ledger.balance_of(referrer.pk) == 0


def test_nobody_refers_themselves_nor_someone_who_bought_before(rules):
    one = make_party(1, phone=True)
    same_phone = make_party(2)
    ContactPoint.objects.create(party=same_phone, kind="phone", value=one.phone)
    for referred, referrer in ((one, one), (same_phone, one)):
        with pytest.raises(ReferralRefused) as refused:
            do_record_referral(referred, referrer)
        assert refused.value.code == "referral.same_person"
    old_customer = make_party(3)
    buy(old_customer, NOW - dt.timedelta(days=300))
    with pytest.raises(ReferralRefused) as refused:
        do_record_referral(old_customer, one)
    assert refused.value.code == "referral.not_new"
    newcomer = make_party(4)
    do_record_referral(newcomer, one)
    with pytest.raises(ReferralRefused) as refused:
        do_record_referral(newcomer, make_party(5))
    assert refused.value.code == "referral.already"
    assert Referral.objects.count() == 1


def test_a_referral_is_recorded_from_the_party_page_by_phone(client, owner, rules):
    referrer, newcomer = make_party(1, phone=True), make_party(2)
    client.force_login(owner)
    client.post(f"/parties/{newcomer.pk}/referral/", {"phone": "010-1000-0001"})
    assert Referral.objects.get(referred=newcomer).referrer == referrer
    page = client.get(f"/parties/{newcomer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Referred by" in page
    answer = client.post(
        f"/parties/{referrer.pk}/referral/", {"phone": "010-9999-9999"}, follow=True
    )
    assert "Nobody has that phone number" in answer.content.decode()
