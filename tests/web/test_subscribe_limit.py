"""The sign-up form's hourly limits hold for the whole site, not per web process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from patron.outreach.models import OutboxMessage
from patron.parties.models import Party

FIRST, SECOND = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def limits(settings):
    settings.PATRON_SUBSCRIBE_HOURLY_PER_CLIENT = 2
    settings.PATRON_SUBSCRIBE_HOURLY = 3


def sign_up(i: int, client_address: str) -> int:
    cache.clear()  # each request served as if by another process, with a cache of its own
    answer = Client(REMOTE_ADDR=client_address).post(
        "/subscribe/", {"email": f"p{i}@example.com", "topic": ["newsletter"], "privacy": "on"}
    )
    return answer.status_code


def sign_up_requests():
    return OutboxMessage.objects.filter(topic__startswith="opt-in:form:")


def test_the_limits_hold_across_processes(db, limits):
    assert [sign_up(i, FIRST) for i in range(3)] == [200, 200, 429]
    assert [sign_up(i, SECOND) for i in range(3, 6)] == [200, 429, 429]
    assert sign_up_requests().count() == 3
    assert Party.objects.count() == 3


def test_the_client_is_kept_only_as_a_keyed_hash(db, limits):
    sign_up(1, FIRST)
    (request,) = sign_up_requests()
    assert request.values["sign_up_from"] and FIRST not in str(request.values)


def test_the_limits_count_the_last_hour(db, limits):
    assert [sign_up(i, FIRST) for i in range(3)] == [200, 200, 429]
    sign_up_requests().update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61))
    assert [sign_up(i, FIRST) for i in range(3, 6)] == [200, 200, 429]
