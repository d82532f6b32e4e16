"""Waiting out a database another process keeps busy (core.db.wait_out_busy)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from patron.core import db

BUSY = OperationalError("database is locked")


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(db.time, "sleep", slept.append)
    return slept


def _failing(errors: list[Exception], answer: str = "done"):
    calls = []

    def work() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return answer

    return work, calls


def test_work_is_tried_again_until_the_database_is_free(pauses):
    work, calls = _failing([BUSY, BUSY])
    retries = []
    assert db.wait_out_busy(work, 600, on_retry=lambda: retries.append(1)) == "done"
    assert len(calls) == 3 and len(retries) == 2
    assert pauses == [2.0, 3.0]  # growing pauses


def test_another_error_is_raised_at_once(pauses):
    work, calls = _failing([OperationalError("no such table: parties_party")])
    with pytest.raises(OperationalError, match="no such table"):
        db.wait_out_busy(work, 600)
    assert len(calls) == 1 and pauses == []


def test_a_database_busy_past_patience_is_raised(pauses):
    work, calls = _failing([BUSY] * 100)
    with pytest.raises(OperationalError, match="locked"):
        db.wait_out_busy(work, 60)
    assert sum(pauses[:-1]) < 60 <= sum(pauses)
    assert len(calls) == len(pauses) + 1  # a last try after the last pause
    assert max(pauses) == 15  # never more than 15 s between tries
