"""The per-party purchase-day statistics a scoring run reads, on a handful of known orders."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest

from patron.commerce.models import Order
from patron.insight.aggregate import party_days
from patron.parties.models import Party

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def orders(party: Party, *items) -> None:
    for n, (when, amount, status, currency) in enumerate(items):
        Order.objects.create(
            party=party,
            source="test",
            external_id=f"{party.pk}-{n}",
            occurred_at=when,
            amount=amount,
            status=status,
            currency=currency,
        )


def at(day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SEOUL)


def test_days_are_local_days_and_only_purchases_count():
    kim = Party.objects.create(display_name="Kim", name_key="kim")
    lee = Party.objects.create(display_name="Lee", name_key="lee")
    orders(
        kim,
        (at(1, 0, 30), 1000, "paid", "KRW"),  # 00:30 in Seoul is the evening before in UTC
        (at(1, 23, 30), 2000, "paid", "KRW"),  # the same Seoul day: one purchase day
        (at(3), 5000, "cancelled", "KRW"),  # no purchase
        (at(5), 4000, "paid", "USD"),  # a purchase day, spend in another currency not added
        (at(9), 3000, "paid", "KRW"),
    )
    orders(lee, (at(8), 7000, "paid", "KRW"))
    stats = party_days(dt.date(2026, 3, 10), calibration_end=dt.date(2026, 3, 6))
    assert stats.party_id.tolist() == [kim.pk, lee.pk]
    assert stats.first_day.tolist() == [dt.date(2026, 3, 1), dt.date(2026, 3, 8)]
    assert stats.last_day.tolist() == [dt.date(2026, 3, 9), dt.date(2026, 3, 8)]
    assert stats.days.tolist() == [3, 1] and stats.orders.tolist() == [4, 1]
    assert stats.spend.tolist() == [6000, 7000]
    assert stats.first_day_spend.tolist() == [3000, 7000]
    # Up to the calibration end (6 March): Kim's 1 and 5 March; Lee had not bought yet.
    assert stats.calibration_days.tolist() == [2, 0]
    assert stats.calibration_last_day[0] == np.datetime64("2026-03-05")
    assert np.isnat(stats.calibration_last_day[1])
    # Repeat days of parties who first bought by the calibration end: Kim's 5 and 9 March.
    assert stats.repeat_day.tolist() == [dt.date(2026, 3, 5), dt.date(2026, 3, 9)]
    assert stats.repeat_count.tolist() == [1, 1]


def test_orders_after_the_observation_end_are_not_read():
    kim = Party.objects.create(display_name="Kim", name_key="kim")
    orders(kim, (at(1), 1000, "paid", "KRW"), (at(20), 1000, "paid", "KRW"))
    stats = party_days(dt.date(2026, 3, 10), calibration_end=dt.date(2026, 3, 6))
    assert stats.days.tolist() == [1]


def test_the_holdout_split_can_follow_from_the_first_purchase_day():
    # Scoring holds out the latest quarter of the history, which starts at the first purchase
    # day of all: the orders read here give it (a cancelled order earlier does not count).
    kim = Party.objects.create(display_name="Kim", name_key="kim")
    lee = Party.objects.create(display_name="Lee", name_key="lee")
    orders(kim, (at(2), 1000, "cancelled", "KRW"), (at(4, 0, 30), 1000, "paid", "KRW"))
    orders(lee, (at(7), 1000, "paid", "KRW"))
    asked = []

    def rule(first_purchase: dt.date) -> dt.date:
        asked.append(first_purchase)
        return first_purchase + dt.timedelta(days=2)

    stats = party_days(dt.date(2026, 3, 10), calibration_end=rule)
    assert asked == [dt.date(2026, 3, 4)]  # Seoul's day, not UTC's 3 March
    assert stats.calibration_end == dt.date(2026, 3, 6)
    assert stats.calibration_days.tolist() == [1, 0]
