from __future__ import annotations

import pytest
from django.utils import timezone

from patron.commerce.models import Engagement, Order
from patron.demo import do_load_demo
from patron.parties.models import Party, Relationship
from tests.loyalty.conftest import wipe_loyalty

pytestmark = pytest.mark.django_db


def _fingerprint() -> list[tuple]:
    # Not the promotion's extra orders: its holdout is drawn by record id (the planner's
    # draw), and a second load into the same database numbers its records anew.
    return list(
        Order.objects.exclude(external_id__startswith="D-SUMMER-")
        .order_by("external_id")
        .values_list("external_id", "party__display_name", "amount", "status")[:300]
    )


def test_demo_has_both_kinds_of_people_and_is_deterministic():
    summary = do_load_demo(seed=3, parties=300)
    assert summary["parties"] == Party.objects.count() == 300
    kinds = set(Relationship.objects.values_list("kind", flat=True))
    assert {"customer", "client"} <= kinds
    assert Engagement.objects.exists()
    assert Party.objects.filter(market="b2b").exists()
    assert Party.objects.filter(display_name__regex=r"[가-힣]").exists()
    # A few clients have booked their next session, and two missed one: their pages show it.
    ahead = Engagement.objects.filter(status="booked", started_at__gt=timezone.now())
    missed = Engagement.objects.filter(status="no_show")
    assert ahead.count() >= 3 and 1 <= missed.values("party").distinct().count() <= 2
    assert set(missed.values_list("party", flat=True)) <= set(ahead.values_list("party", flat=True))
    assert {e.party.relationship.kind for e in ahead} == {"client"}
    first = _fingerprint()
    wipe_loyalty()  # the ledger is append-only: its rows go with its triggers lifted
    Order.objects.all().delete()
    Engagement.objects.all().delete()
    Party.objects.all().delete()
    do_load_demo(seed=3, parties=300)
    assert _fingerprint() == first
