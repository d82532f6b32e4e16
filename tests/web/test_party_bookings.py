"""A party's page shows their next booking, how often they did not come, and each
engagement's state on the timeline, in the reader's language."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from patron.commerce.models import Engagement, EngagementKind, Offering
from patron.core.formats import long_datetime
from patron.insight.classification import do_classify
from patron.insight.models import PartyScore, ScoringRun
from patron.parties.models import Party, Relationship

pytestmark = pytest.mark.django_db


def book(party, offering, days: float, status: str, hour: int = 14) -> Engagement:
    at = (timezone.localtime() + dt.timedelta(days=days)).replace(hour=hour, minute=0)
    return Engagement.objects.create(
        party=party,
        kind=EngagementKind.APPOINTMENT,
        title=offering.name,
        offering=offering,
        started_at=at,
        status=status,
    )


@pytest.fixture
def regular(db) -> tuple[Party, Engagement]:
    party = Party.objects.create(display_name="김하나", name_key="김하나", locale="ko")
    Relationship.objects.create(party=party)
    shoot = Offering.objects.create(name="가족사진 촬영", kind="tailored")
    # Newest first: the last five bookings hold two no-shows; a sixth, older, came.
    for days, status in (
        (-10, "no_show"),
        (-40, "booked"),  # the file said only 확정; its day has passed: it took place
        (-70, "no_show"),
        (-100, "cancelled"),
        (-130, "done"),
        (-200, "done"),
    ):
        book(party, shoot, days, status)
    later = book(party, shoot, 20, "booked")
    following = book(party, shoot, 3, "booked", hour=11)
    assert later.started_at > following.started_at
    do_classify()
    ScoringRun.objects.create(model="bgnbd", status="done", finished_at=timezone.now())
    PartyScore.objects.create(
        party=party,
        frequency=3,
        recency=10,
        age=40,
        monetary=150000,
        first_purchase=timezone.localdate() - dt.timedelta(days=280),
        last_purchase=timezone.localdate() - dt.timedelta(days=200),
        p_alive=0.3,
        expected_purchases_90d=0.2,
        expected_spend=150000,
        clv=300000,
        stage="dormant",
    )
    return party, following


def page(client, party, language: str) -> str:
    answer = client.get(reverse("party", args=[party.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 200
    return html.unescape(answer.content.decode())


def test_the_page_shows_the_next_booking_and_the_no_shows_in_english(client, owner, regular):
    party, following = regular
    client.force_login(owner)
    text = page(client, party, "en")
    assert "Next booking" in text and long_datetime(following.started_at, "en") in text
    assert "2 no-shows in the last 5 bookings" in text
    assert "came to 3 booked appointments over 5 months" in text
    # A dormant client with a booking in three days is not called to be won back.
    assert "None for now: they have a booking in 3 days." in text
    assert "Booked again: no need to win them back." in text
    assert "Personal call" not in text
    for state in ("Took place", "Booked", "Cancelled", "No-show"):
        assert f">{state}</span>" in text
    assert text.count(">No-show</span>") == 2 and text.count(">Booked</span>") == 2


def test_the_same_page_reads_in_korean(client, owner, regular):
    party, following = regular
    client.force_login(owner)
    text = page(client, party, "ko")
    assert "다음 예약" in text and long_datetime(following.started_at, "ko") in text
    assert "최근 예약 5건 중 노쇼 2건" in text
    assert "5개월 동안 예약 3회 이용" in text
    assert "지금은 없습니다. 3일 뒤에 예약이 있습니다." in text
    assert "다시 예약했습니다" in text
    for state in ("이용 완료", "예약 확정", "취소", "노쇼"):
        assert f">{state}</span>" in text
    shown = re.sub(r"<[^>]+>", " ", text)  # the words, not the markup's names
    for english in ("Next booking", "no-show", "No-show", "Took place", "booked appointments"):
        assert english not in shown


def test_no_no_show_line_without_a_no_show(client, owner, db):
    party = Party.objects.create(display_name="Ann", name_key="ann")
    shoot = Offering.objects.create(name="Studio session")
    book(party, shoot, -30, "done")
    book(party, shoot, -20, "cancelled")
    client.force_login(owner)
    text = page(client, party, "en")
    assert 'data-testid="no-shows"' not in text and 'data-testid="next-booking"' not in text


def test_a_party_with_few_bookings_reads_them_all(owner, db):
    from patron.commerce.bookings import party_bookings
    from patron.core.wording import say

    party = Party.objects.create(display_name="Bo", name_key="bo")
    shoot = Offering.objects.create(name="Studio session")
    book(party, shoot, -30, "no_show")
    book(party, shoot, -10, "done")
    pattern = party_bookings(party, timezone.now()).no_shows
    assert pattern == {"code": "booking.no_shows_all", "no_shows": 1, "bookings": 2}
    assert say(pattern) == "1 no-show in 2 bookings so far"
    with translation.override("ko"):
        assert say(pattern) == "지금까지 예약 2건 중 노쇼 1건"
