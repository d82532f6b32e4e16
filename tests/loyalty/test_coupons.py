"""Coupons: what they take off, whose they are, used once where once is the rule (also on
a double tap), recognised in an imported order once, given back when the sale is cancelled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patron.commerce.models import Order
from patron.loyalty.counter import do_counter_sale
from patron.loyalty.coupons import (
    CouponRefused,
    coupon_results,
    discount_for,
    do_issue_to_party,
    do_issue_to_segment,
    do_save_coupon,
    recognise_orders,
    usable_coupons,
)
from patron.loyalty.models import Coupon, CouponGrant, CouponKind, CouponRedemption
from patron.loyalty.program import program
from patron.outreach.models import OutboxMessage, OutboxStatus, Segment

from .conftest import make_party

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def coupon(code="WELCOME", **fields) -> Coupon:
    values = {
        "name": "환영 쿠폰",
        "code": code,
        "kind": CouponKind.AMOUNT,
        "value": Decimal(5000),
        "expires_on": TODAY + dt.timedelta(days=30),
        **fields,
    }
    return do_save_coupon(Coupon(**values))


def test_what_a_coupon_takes_off():
    amount = coupon("FIVE", min_order=Decimal(20_000))
    assert discount_for(amount, Decimal(30_000)) == 5000
    assert discount_for(amount, Decimal(3000)) == 3000  # never more than the order
    percent = coupon("TEN", kind=CouponKind.PERCENT, value=10, max_discount=Decimal(4000))
    assert discount_for(percent, Decimal(33_333)) == 3333  # rounded down
    assert discount_for(percent, Decimal(100_000)) == 4000  # at most


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"code": "A B"}, "coupon.bad_code"),
        ({"code": "<script>"}, "coupon.bad_code"),
        ({"kind": CouponKind.PERCENT, "value": 300}, "coupon.bad_value"),
        ({"value": 0}, "coupon.bad_value"),
        ({"starts_on": TODAY, "expires_on": TODAY - dt.timedelta(days=1)}, "coupon.bad_days"),
    ],
)
def test_a_coupon_that_makes_no_sense_is_refused_and_not_saved(fields, code):
    with pytest.raises(CouponRefused) as refused:
        coupon(**{"code": "OK1", **fields})
    assert refused.value.code == code
    assert not Coupon.objects.exists()


def test_codes_are_read_as_people_type_them_and_are_unique():
    made = coupon("spring-10")
    assert made.code == "SPRING-10"
    with pytest.raises(CouponRefused) as refused:
        coupon(" Spring-10 ")
    assert refused.value.code == "coupon.code_taken"


def test_a_single_use_coupon_is_used_once_even_on_a_double_tap(owner):
    party = make_party(1, phone=True)
    welcome = coupon(for_anyone=True)
    sale = do_counter_sale(party, 20_000, 0, number="S1", actor=owner, coupon_code="welcome")
    assert sale.coupon_off == 5000
    order = Order.objects.get(pk=sale.order.pk)
    assert order.amount == 15_000 and order.discount_amount == 5000
    assert order.discount_code == "WELCOME"
    again = do_counter_sale(party, 20_000, 0, number="S1", actor=owner, coupon_code="welcome")
    assert again.order.pk == sale.order.pk  # the same tap: one sale, one use
    with pytest.raises(CouponRefused) as refused:
        do_counter_sale(party, 20_000, 0, number="S2", actor=owner, coupon_code="WELCOME")
    assert refused.value.code == "coupon.used_by_party"
    assert not Order.objects.filter(
        source="counter", external_id="S2"
    ).exists()  # nothing half-written
    assert CouponRedemption.objects.count() == 1
    welcome.refresh_from_db()
    assert welcome.used == 1


def test_a_limited_coupon_stops_at_its_total(owner):
    limited = coupon("FIRST2", for_anyone=True, total_uses=2)
    for i in range(2):
        do_counter_sale(make_party(i), 10_000, 0, number=f"L{i}", actor=owner, coupon_code="FIRST2")
    with pytest.raises(CouponRefused) as refused:
        do_counter_sale(make_party(9), 10_000, 0, number="L9", actor=owner, coupon_code="FIRST2")
    assert refused.value.code == "coupon.used_up"
    limited.refresh_from_db()
    assert limited.used == 2


def test_only_those_it_was_given_to_may_use_it(owner):
    given, other = make_party(1), make_party(2)
    mine = coupon("MINE")
    assert do_issue_to_party(mine, given, actor=owner)
    assert not do_issue_to_party(mine, given, actor=owner)  # given once
    assert usable_coupons(given.pk, TODAY) == [mine]
    assert usable_coupons(other.pk, TODAY) == []
    with pytest.raises(CouponRefused) as refused:
        do_counter_sale(other, 10_000, 0, number="N1", actor=owner, coupon_code="MINE")
    assert refused.value.code == "coupon.not_theirs"


def test_a_campaigns_coupon_belongs_to_those_it_reached_not_its_holdout(owner):
    from tests.outreach.conftest import campaign_for

    reached, held_out = make_party(1), make_party(2)
    campaign = campaign_for({})
    OutboxMessage.objects.create(
        party=reached,
        campaign=campaign,
        channel="email",
        address=reached.email,
        status=OutboxStatus.SENT,
        dedupe_key="c:1",
    )
    carried = coupon("CAMPAIGN", campaign=campaign)
    assert usable_coupons(reached.pk, TODAY) == [carried]
    assert usable_coupons(held_out.pk, TODAY) == []


def test_days_and_the_minimum_order_are_kept(owner):
    party = make_party(1)
    coupon("LATER", for_anyone=True, starts_on=TODAY + dt.timedelta(days=2))
    coupon("BIG", for_anyone=True, min_order=Decimal(50_000))
    for code, expected in (("LATER", "coupon.not_started"), ("BIG", "coupon.min_order")):
        with pytest.raises(CouponRefused) as refused:
            do_counter_sale(party, 10_000, 0, number=code, actor=owner, coupon_code=code)
        assert refused.value.code == expected
    with pytest.raises(CouponRefused) as refused:
        do_counter_sale(party, 10_000, 0, number="X", actor=owner, coupon_code="NOSUCH")
    assert refused.value.code == "coupon.not_found"


def test_points_are_earned_on_what_was_paid_after_the_coupon(owner):
    rules = program()
    rules.enabled, rules.starts_on, rules.rate_percent = True, TODAY, Decimal(10)
    rules.pending_days = 0
    rules.save()
    party = make_party(1)
    coupon("OFF", for_anyone=True, value=Decimal(4000))
    sale = do_counter_sale(party, 14_000, 0, number="P1", actor=owner, coupon_code="OFF")
    assert sale.earned == 1000  # 10% of the 10,000 paid


def imported(party, code, status="paid", amount=45_000, discount=5000, n=[0]):  # noqa: B006
    n[0] += 1
    return Order.objects.create(
        source="cafe24",
        external_id=f"I{n[0]}",
        party=party,
        occurred_at=dt.datetime.now(dt.UTC),
        status=status,
        currency="KRW",
        amount=amount,
        discount_amount=discount,
        discount_code=code,
        row_digest="x",
    )


def test_an_imported_orders_coupon_column_counts_once_and_a_cancellation_gives_it_back():
    party = make_party(1)
    spring = coupon("SPRING")  # given to nobody: the shop let them use it, so it counts
    order = imported(party, "spring, UNKNOWN")
    assert recognise_orders([order.pk]) == {"recognised": 1, "given_back": 0}
    recognise_orders([order.pk])  # the same file read again
    assert coupon_results(spring) == {
        "given": 0,
        "uses": 1,
        "parties": 1,
        "discount": 5000,
        "paid": 45_000,
    }
    order.status = "cancelled"
    order.save()
    assert recognise_orders([order.pk]) == {"recognised": 0, "given_back": 1}
    assert recognise_orders([order.pk]) == {"recognised": 0, "given_back": 0}
    assert coupon_results(spring)["uses"] == 0
    spring.refresh_from_db()
    assert spring.used == 0


def test_a_segment_is_given_a_coupon_once_each():
    parties = [make_party(i) for i in range(5)]
    segment = Segment.objects.create(name="모두", filters={})
    gift = coupon("ALL")
    assert do_issue_to_segment(gift, segment) == 5
    assert do_issue_to_segment(gift, segment) == 0
    assert CouponGrant.objects.filter(coupon=gift, granted=True).count() == len(parties)


def test_coupon_pages_make_one_and_refuse_nonsense_saying_why(client, owner):
    client.force_login(owner)
    made = client.post(
        "/coupons/new/",
        {
            "name": "봄",
            "code": "spring",
            "kind": "percent",
            "value": "10",
            "min_order": "0",
            "expires_on": (TODAY + dt.timedelta(days=10)).isoformat(),
            "uses_per_party": "1",
        },
    )
    assert made.status_code == 302
    assert Coupon.objects.get().code == "SPRING"
    refused = client.post(
        "/coupons/new/",
        {
            "name": "이상",
            "code": "BAD",
            "kind": "percent",
            "value": "300",
            "min_order": "0",
            "expires_on": TODAY.isoformat(),
            "uses_per_party": "1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 200 and "1 to 100" in refused.content.decode()
    assert Coupon.objects.count() == 1
    assert client.get("/coupons/").status_code == 200
    assert "SPRING" in client.get(f"/coupons/{Coupon.objects.get().pk}/").content.decode()


def test_saving_a_coupon_keeps_its_uses_and_refuses_a_total_below_them(owner):
    party = make_party(1)
    shared = coupon("SHARED", for_anyone=True, uses_per_party=5)
    stale = Coupon.objects.get(pk=shared.pk)  # an owner's form, opened before the sales
    for i in range(3):
        do_counter_sale(party, 10_000, 0, number=f"U{i}", actor=owner, coupon_code="SHARED")
    stale.name = "이름만 바꿈"
    do_save_coupon(stale)
    shared.refresh_from_db()
    assert shared.used == 3 and shared.name == "이름만 바꿈"
    stale.total_uses = 2
    with pytest.raises(CouponRefused) as refused:
        do_save_coupon(stale)
    assert refused.value.code == "coupon.below_used"
