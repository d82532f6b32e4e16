"""Today's next best actions: done or put off from the page, by whoever the page showed
them to, written on the party's timeline."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from patron.insight.models import PartyScore
from patron.outreach.models import Task
from patron.parties.models import Relationship

from .conftest import make_party


def slipping(i: int, manager=None):
    party = make_party(i)
    Relationship.objects.filter(party=party).update(owner=manager)
    day = dt.date(2026, 1, 1)
    PartyScore.objects.create(
        party=party,
        frequency=4,
        recency=20,
        age=40,
        monetary=80,
        first_purchase=day,
        last_purchase=day,
        p_alive=0.2,
        expected_purchases_90d=0.1,
        expected_spend=5,
        clv=300 - i,
        stage="at_risk",
    )
    return party


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_account_manager_handles_only_the_actions_their_page_shows(db, manager, owner):
    mine, theirs = slipping(1, manager), slipping(2, owner)
    client = logged_in(manager)
    assert client.post(f"/today/actions/{theirs.pk}/").status_code == 302
    assert not Task.objects.filter(party=theirs).exists()  # not on their page: refused
    client.post(f"/today/actions/{mine.pk}/")
    task = Task.objects.get(party=mine)
    assert task.status == "done" and task.assignee == manager
    # An owner sees and handles everyone's.
    logged_in(owner).post(f"/today/actions/{theirs.pk}/")
    assert Task.objects.get(party=theirs).status == "done"


def test_putting_off_by_days_not_offered_creates_nothing(db, owner):
    party = slipping(1)
    client = logged_in(owner)
    answer = client.post(f"/today/actions/{party.pk}/", {"days": "9999"}, follow=True)
    assert not Task.objects.exists()  # the action is still proposed, untouched
    assert party.display_name in answer.content.decode()
    client.post(f"/today/actions/{party.pk}/", {"days": "7"})
    task = Task.objects.get()
    assert task.status == "open" and task.snoozed_until == task.due + dt.timedelta(days=7)
