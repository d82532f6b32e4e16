"""Who saw whose personal data: pages, searches, the counter, the API and downloads leave a
record; the owner's monthly review flags a member far above the rest of the team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from patron.accounts.tokens import do_make_token
from patron.parties.access import monthly_review
from patron.parties.models import AccessRecord
from tests.outreach.conftest import make_party

pytestmark = pytest.mark.django_db


def test_pages_searches_and_the_api_leave_a_record(client, teammate):
    party = make_party(1, phone=True)
    client.force_login(teammate)
    client.get(f"/parties/{party.pk}/", REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT="Firefox")
    viewed = AccessRecord.objects.get(action="view")
    assert viewed.user == teammate and viewed.parties == [party.pk] and viewed.count == 1
    assert viewed.address == "10.0.0.7" and viewed.user_agent == "Firefox"
    client.get("/parties/", {"q": "고객0001"})
    searched = AccessRecord.objects.get(action="search")
    assert searched.query == "고객0001" and searched.parties == [party.pk]
    client.get("/counter/", {"phone": "010-1000-0001"})
    assert AccessRecord.objects.filter(action="search", query="010-1000-0001").exists()
    secret = do_make_token("shop", {"parties": "read"}).secret
    Client().get(f"/api/v1/parties/{party.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    by_api = AccessRecord.objects.filter(token__name="shop").get()
    assert by_api.action == "view" and by_api.user is None and by_api.parties == [party.pk]


def test_the_monthly_review_flags_a_member_far_above_the_team(client, owner, teammate, manager):
    now = timezone.now()
    AccessRecord.objects.create(user=teammate, action="export", count=4000, at=now)
    AccessRecord.objects.create(user=manager, action="view", count=30, at=now)
    AccessRecord.objects.create(user=owner, action="view", count=60, at=now)
    review = {row.who: row for row in monthly_review(timezone.localdate())}
    assert review[teammate.username].flagged and review[teammate.username].exports == 1
    assert not review[manager.username].flagged and not review[owner.username].flagged
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    assert monthly_review(last_month) == []
    client.force_login(teammate)
    assert client.get("/team/access/").status_code == 403
    client.force_login(owner)
    page = client.get("/team/access/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="flagged"' in page and teammate.username in page
