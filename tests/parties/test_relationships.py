"""Classification applied to parties: reasons stored, a person's decision never overwritten."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patron.commerce.classification import do_classify_all
from patron.commerce.models import Engagement, EngagementKind
from patron.commerce.services import do_import_file
from patron.parties.models import Activity, KindSource, Party, Relationship
from patron.parties.services import RelationshipError, do_set_relationship

pytestmark = pytest.mark.django_db


def _studio_client() -> Party:
    party = Party.objects.create(display_name="Wedding couple", name_key="weddingcouple")
    Relationship.objects.create(party=party)
    for days_ago in (700, 400, 30):
        Engagement.objects.create(
            party=party,
            kind=EngagementKind.APPOINTMENT,
            title="Studio session",
            started_at=timezone.now() - dt.timedelta(days=days_ago),
        )
    return party


def test_repeat_engagements_are_classified_client_with_reasons():
    party = _studio_client()
    do_classify_all()
    relationship = Relationship.objects.get(party=party)
    assert relationship.kind == "client"
    assert any("tailored work 3 times" in reason for reason in relationship.reasons)
    assert relationship.since == timezone.localdate(timezone.now() - dt.timedelta(days=700))
    assert Activity.objects.filter(party=party, verb="relationship.classified").exists()


def test_catalogue_buyers_from_an_import_are_customers(sample):
    do_import_file(sample("orders_ko_cp949.csv"))
    counts = do_classify_all()
    assert sum(counts.values()) == Party.objects.count()
    photo_id_only = Relationship.objects.filter(kind="customer").first()
    assert photo_id_only.reasons


def test_a_persons_override_survives_reclassification(owner):
    party = _studio_client()
    do_set_relationship(party, actor=owner, kind="customer")
    do_classify_all()
    relationship = Relationship.objects.get(party=party)
    assert (relationship.kind, relationship.kind_source) == ("customer", KindSource.PERSON)
    change = Activity.objects.get(party=party, verb="relationship.changed")
    assert change.actor == owner and "client → customer" not in change.summary


def test_setting_an_account_manager_writes_the_timeline(owner, teammate):
    party = _studio_client()
    do_set_relationship(party, actor=owner, owner=teammate)
    assert Relationship.objects.get(party=party).owner == teammate
    assert "account manager → tom" in Activity.objects.get(verb="relationship.changed").summary


def test_an_unknown_kind_is_refused(owner):
    with pytest.raises(RelationshipError):
        do_set_relationship(_studio_client(), actor=owner, kind="vip")
