"""Classification applied to parties: reasons stored, a person's decision never overwritten."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patron.commerce.imports import do_import_file
from patron.commerce.models import Engagement, EngagementKind
from patron.core.wording import say
from patron.insight.classification import do_classify
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
    do_classify()
    relationship = Relationship.objects.get(party=party)
    assert relationship.kind == "client"
    # Appointments that took place are bookings kept: the reason says so.
    assert relationship.reasons[0]["code"] == "reason.bookings_kept"
    assert relationship.reasons[0]["times"] == 3
    assert relationship.since == timezone.localdate(timezone.now() - dt.timedelta(days=700))
    assert Activity.objects.filter(party=party, verb="relationship.classified").exists()


def test_catalogue_buyers_from_an_import_are_customers(sample):
    do_import_file(sample("orders_ko_cp949.csv"))
    counts = do_classify()
    assert sum(counts.values()) == Party.objects.count()
    photo_id_only = Relationship.objects.filter(kind="customer").first()
    assert photo_id_only.reasons


def test_a_persons_override_survives_reclassification(owner):
    party = _studio_client()
    do_set_relationship(party, actor=owner, kind="customer")
    do_classify()
    relationship = Relationship.objects.get(party=party)
    assert (relationship.kind, relationship.kind_source) == ("customer", KindSource.PERSON)
    # Patron's own reading is kept beside the person's decision, not passed off as it.
    assert relationship.inferred_kind == "client" and relationship.reasons
    assert (relationship.kind_set_by, relationship.kind_set_at is not None) == (owner, True)
    change = Activity.objects.get(party=party, verb="relationship.changed")
    assert change.actor == owner and change.data["kind_to"] == "customer"


def test_setting_an_account_manager_writes_the_timeline(owner, teammate):
    party = _studio_client()
    do_set_relationship(party, actor=owner, owner=teammate)
    assert Relationship.objects.get(party=party).owner == teammate
    entry = Activity.objects.get(verb="relationship.changed")
    assert say({"code": "activity.relationship.changed", **entry.data}) == "Account manager: tom"


def test_an_unknown_kind_is_refused(owner):
    with pytest.raises(RelationshipError):
        do_set_relationship(_studio_client(), actor=owner, kind="vip")
