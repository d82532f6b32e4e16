"""Fifty redemptions at once: none takes points that are not there (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from patron.loyalty import ledger
from patron.loyalty.ledger import PointsRefused
from patron.loyalty.models import PointEntry

from .conftest import make_party

pytestmark = pytest.mark.django_db(transaction=True)

COST = 300
BALANCE = 4000


def redeem(party_id: int, n: int) -> bool:
    try:
        ledger.spend(party_id, COST, key=f"counter:{party_id}:{n}", reason={})
        return True
    except PointsRefused:
        return False
    finally:
        connections.close_all()  # this thread's connection


def test_fifty_concurrent_redemptions_never_overdraw():
    party = make_party(1)
    now = ledger.timezone.now()
    ledger.earn(
        party.pk,
        BALANCE,
        key="seed",
        reason={},
        available_at=now,
        expires_at=now + dt.timedelta(days=365),
    )
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda n: redeem(party.pk, n), range(50)))
    assert sum(results) == BALANCE // COST  # 13 succeed, 37 are refused
    assert ledger.balance_of(party.pk) == BALANCE - COST * (BALANCE // COST)
    assert ledger.consistent(party.pk)
    assert PointEntry.objects.filter(kind="spend").count() == BALANCE // COST
    assert connection.vendor in ("sqlite", "postgresql")
