"""Points about to expire are announced 30 and 7 days before, once, saying why they were given."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from patron.loyalty import ledger
from patron.loyalty.notices import plan_expiry_notices
from patron.outreach.models import MessageClass, OutboxMessage

from .conftest import make_party

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
NOW = dt.datetime(2026, 12, 7, 6, tzinfo=SEOUL)


def lot(party, points, expires, key):
    return ledger.earn(
        party.pk,
        points,
        key=key,
        reason={"code": "points.earn.order", "order": key, "rate": "1"},
        available_at=NOW - dt.timedelta(days=400),
        expires_at=expires,
        now=NOW - dt.timedelta(days=400),
    )


def test_points_expiring_in_thirty_and_seven_days_are_announced_once(db):
    party, spent_all = make_party(1), make_party(2)
    lot(party, 1200, dt.datetime(2027, 1, 6, 15, tzinfo=SEOUL), "A-1")
    lot(party, 300, dt.datetime(2027, 1, 6, 20, tzinfo=SEOUL), "A-2")
    lot(spent_all, 500, dt.datetime(2027, 1, 6, 15, tzinfo=SEOUL), "B-1")
    ledger.spend(spent_all.pk, 500, key="b", reason={}, now=NOW)
    assert plan_expiry_notices(dt.date(2026, 12, 7), now=NOW) == {"told_email": 1}
    assert plan_expiry_notices(dt.date(2026, 12, 7), now=NOW) == {"already_told": 1}
    message = OutboxMessage.objects.get()
    assert message.message_class == MessageClass.SERVICE
    body = message.content["body"]
    assert "1,500" in body and "2027년 1월 6일" in body and "A-1" in body and "A-2" in body
    assert message.next_attempt_at.astimezone(SEOUL).hour >= 8  # never at night
    assert plan_expiry_notices(dt.date(2026, 12, 30), now=NOW) == {"told_email": 1}  # 7 days
    assert OutboxMessage.objects.count() == 2
