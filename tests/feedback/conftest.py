"""A clock the tests set (Asia/Seoul), and parties with what they bought or were served."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from patron.commerce.models import Engagement, EngagementKind, Offering, Order, OrderLine
from tests.outreach.conftest import business, make_party  # noqa: F401  (autouse: a business)

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SEOUL)


class Clock:
    def __init__(self, monkeypatch, start: dt.datetime) -> None:
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, at(2026, 12, 7, 10))


def served(party, when: dt.datetime, title: str = "가족사진 촬영", offering=None) -> Engagement:
    return Engagement.objects.create(
        party=party,
        kind=EngagementKind.PROJECT,
        title=title,
        started_at=when - dt.timedelta(hours=2),
        ended_at=when,
        offering=offering,
    )


def bought(party, when: dt.datetime, name: str = "앨범", offering=None) -> Order:
    order = Order.objects.create(
        source="test",
        external_id=f"o{party.pk}-{when.timestamp()}",
        party=party,
        occurred_at=when,
        currency="KRW",
        amount=50000,
        row_digest="x",
    )
    OrderLine.objects.create(order=order, line_no=1, name=name, offering=offering)
    return order


def offering(name: str = "프로필 촬영") -> Offering:
    return Offering.objects.create(name=name)
