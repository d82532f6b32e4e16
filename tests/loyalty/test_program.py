"""What an order earns, and what a cancellation or a return takes back and gives back."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from patron.commerce.models import Offering, Order, OrderLine
from patron.loyalty import ledger
from patron.loyalty.models import PointEntry, PointsRate
from patron.loyalty.program import do_earn_for_order, do_settle_refund, points_for, program

from .conftest import make_party

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
DAY = dt.datetime(2026, 12, 7, 14, tzinfo=SEOUL)


@pytest.fixture
def rules():
    row = program()
    row.enabled, row.starts_on, row.rate_percent = True, dt.date(2026, 12, 1), Decimal("1.5")
    row.save()
    return row


def order(party, amount=50_000, *, source="cafe24", when=DAY, lines=(), n=[0]):  # noqa: B006
    n[0] += 1
    made = Order.objects.create(
        source=source,
        external_id=f"O{n[0]}",
        party=party,
        occurred_at=when,
        currency="KRW",
        amount=amount,
        row_digest="x",
    )
    for i, (name, price, offering) in enumerate(lines or [("앨범", amount, None)], start=1):
        OrderLine.objects.create(
            order=made, line_no=i, name=name, unit_price=price, offering=offering
        )
    return made


def test_an_own_sale_earns_its_rate_rounded_down_and_waits_its_days(rules):
    party = make_party(1)
    sale = order(party, 33_333)
    assert points_for(sale) == 499  # 1.5% of 33,333 = 499.995, rounded down
    rules.rounding = 10
    rules.save()
    assert points_for(sale) == 490
    lot = do_earn_for_order(sale, now=DAY)
    assert lot.available_at == DAY + dt.timedelta(days=7)
    assert lot.expires_at == dt.datetime(2029, 12, 14, 14, tzinfo=SEOUL)
    assert ledger.balance_of(party.pk) == 0  # pending
    assert do_earn_for_order(sale, now=DAY).pk == lot.pk  # read again: once
    ledger.release_due(DAY + dt.timedelta(days=7))
    assert ledger.balance_of(party.pk) == 490


def test_marketplace_orders_orders_before_the_start_and_cancelled_ones_earn_nothing(rules):
    party = make_party(1)
    assert points_for(order(party, source="smartstore")) == 0
    assert points_for(order(party, when=DAY - dt.timedelta(days=30))) == 0
    cancelled = order(party)
    cancelled.status = "cancelled"
    assert points_for(cancelled) == 0
    rules.enabled = False
    rules.save()
    assert points_for(order(party)) == 0


def test_a_category_earns_its_own_rate_line_by_line(rules):
    PointsRate.objects.create(category="촬영", rate_percent=Decimal("5"))
    shoot = Offering.objects.create(name="가족사진 촬영", category="촬영")
    party = make_party(1)
    mixed = order(party, 30_000, lines=[("가족사진 촬영", 20_000, shoot), ("액자", 10_000, None)])
    assert points_for(mixed) == 1150  # 5% of 20,000 + 1.5% of 10,000


def test_points_paid_with_earn_nothing(rules):
    party = make_party(1)
    ledger.earn(party.pk, 10_000, key="seed", reason={}, available_at=DAY, expires_at=None, now=DAY)
    sale = order(party, 40_000)
    ledger.spend(party.pk, 10_000, key="pay", reason={}, order_id=sale.pk, now=DAY)
    assert points_for(sale) == 450  # 1.5% of the 30,000 paid in money


def test_a_partial_return_takes_back_its_share_and_gives_back_spent_points(rules):
    party = make_party(1)
    ledger.earn(party.pk, 2_000, key="seed", reason={}, available_at=DAY, expires_at=None, now=DAY)
    sale = order(party, 100_000)
    ledger.spend(party.pk, 2_000, key="pay", reason={}, order_id=sale.pk, now=DAY)
    do_earn_for_order(sale, now=DAY)  # 1.5% of 98,000 = 1,470, pending
    ledger.release_due(DAY + dt.timedelta(days=7))
    assert ledger.balance_of(party.pk) == 1470
    later = DAY + dt.timedelta(days=10)
    sale.refunded_amount = Decimal(25_000)  # a quarter returned
    sale.save()
    assert do_settle_refund(sale, now=later) == {"taken_back": 367, "given_back": 500}
    assert do_settle_refund(sale, now=later) == {}  # the same file again: nothing twice
    assert ledger.balance_of(party.pk) == 1470 - 367 + 500
    sale.status = "cancelled"  # then all of it
    sale.save()
    assert do_settle_refund(sale, now=later) == {"taken_back": 1103, "given_back": 1500}
    assert ledger.balance_of(party.pk) == 2000 and ledger.consistent(party.pk)


def test_caps_per_order_and_per_thirty_days(rules):
    rules.cap_per_order, rules.cap_per_30_days = 1000, 1500
    rules.save()
    party = make_party(1)
    first = do_earn_for_order(order(party, 200_000), now=DAY)
    second = do_earn_for_order(order(party, 200_000, when=DAY + dt.timedelta(days=1)), now=DAY)
    third = do_earn_for_order(order(party, 200_000, when=DAY + dt.timedelta(days=2)), now=DAY)
    assert (first.amount, second.amount, third) == (1000, 500, None)


def test_an_import_of_own_orders_earns_and_its_undo_takes_it_back(rules, tmp_path, owner):
    from patron.commerce.imports import do_import_file
    from patron.commerce.models import ImportRun
    from patron.commerce.undo import do_undo_import
    from patron.jobs import refresh_parties

    export = tmp_path / "orders.csv"
    export.write_text(
        "order_id,date,name,email,phone,product,amount\n"
        "A1,2026-12-03,김민지,minji@example.com,,앨범,100000\n"
        "A2,2026-12-04,김민지,minji@example.com,,액자,20000\n"
        "A3,2025-12-04,박서준,seojun@example.com,,액자,20000\n",  # before the start: nothing
        encoding="utf-8",
    )
    report = do_import_file(export)
    refresh_parties.call(import_run=report.run_id)
    refresh_parties.call(import_run=report.run_id)  # again: nothing twice
    earned = PointEntry.objects.filter(kind="earn")
    assert sorted(earned.values_list("amount", flat=True)) == [300, 1500]  # 1.5%
    party_id = earned.first().party_id
    ledger.release_due(DAY + dt.timedelta(days=30))
    assert ledger.balance_of(party_id) == 1800
    do_undo_import(ImportRun.objects.get(pk=report.run_id), actor=owner)
    assert ledger.balance_of(party_id) == 0 and ledger.consistent(party_id)
    assert PointEntry.objects.filter(kind="revoke").count() == 2  # the ledger keeps its history


def test_an_import_undone_after_a_merge_takes_back_from_the_survivor(rules, tmp_path, owner):
    from patron.commerce.imports import do_import_file
    from patron.commerce.models import ImportRun
    from patron.commerce.undo import do_undo_import
    from patron.jobs import refresh_parties
    from patron.parties.merge import do_merge_parties
    from patron.parties.models import Party

    export = tmp_path / "orders.csv"
    export.write_text(
        "order_id,date,name,email,phone,product,amount\n"
        "M1,2026-12-03,김민지,minji@example.com,,앨범,100000\n",
        encoding="utf-8",
    )
    report = do_import_file(export)
    refresh_parties.call(import_run=report.run_id)
    merged = Party.objects.get(email="minji@example.com")
    survivor = make_party(9)
    ledger.release_due(DAY + dt.timedelta(days=30))
    do_merge_parties(survivor, merged, actor=owner)
    assert ledger.balance_of(survivor.pk) == 1500 and ledger.balance_of(merged.pk) == 0
    refresh_parties.call(import_run=report.run_id)  # read again after the merge: nothing new
    do_undo_import(ImportRun.objects.get(pk=report.run_id), actor=owner)
    assert ledger.balance_of(survivor.pk) == 0
    assert ledger.consistent(survivor.pk) and ledger.consistent(merged.pk)
