from __future__ import annotations

import unicodedata

import pytest

from patron.commerce.models import Engagement, Order
from patron.commerce.services import do_import_file
from patron.parties.duplicates import MergeRefused, do_merge_parties, find_duplicates
from patron.parties.models import Activity, Consent, Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sources(write_csv):
    """The same person in two exports with different emails but one phone and NFD name."""
    nfd = unicodedata.normalize("NFD", "김 민지")
    shop = write_csv(
        "shop.csv",
        [
            ["Order ID", "Date", "Name", "Email", "Accepts Marketing", "Amount"],
            ["S1", "2024-01-02", "김민지", "minji@shop.example", "yes", "10000"],
        ],
    )
    pay = write_csv(
        "pay.csv",
        [
            ["Invoice", "Date", "Customer", "E-mail", "Phone", "Total"],
            ["P1", "2024-02-03", nfd, "mj@pay.example", "010-1111-2222", "20000"],
        ],
    )
    do_import_file(shop, source="shop")
    do_import_file(pay, source="payments")
    return Party.objects.order_by("pk")


def test_name_variants_are_listed_with_evidence(two_sources):
    pairs = find_duplicates()
    assert len(pairs) == 1
    assert any("same name written differently" in e for e in pairs[0].evidence)


def test_shared_phone_is_evidence(write_csv):
    rows = [
        ["Order ID", "Date", "Name", "Phone", "Email", "Amount"],
        ["1", "2024-01-01", "Ann", "010-5555-6666", "ann@a.example", "100"],
        ["2", "2024-01-02", "Annie", "010-5555-6666", "", "100"],
    ]
    do_import_file(write_csv("x.csv", rows), source="a")
    # the second row matched the first by phone: one party, nothing to merge
    assert Party.objects.count() == 1 and find_duplicates() == []


def test_merge_keeps_everything_on_the_survivor(two_sources, owner):
    survivor, other = two_sources
    orders = Order.objects.count()
    consents = Consent.objects.count()
    do_merge_parties(survivor, other, actor=owner)
    other.refresh_from_db()
    assert other.merged_into == survivor
    assert Order.objects.filter(party=survivor).count() == orders
    assert Consent.objects.filter(party=survivor).count() == consents
    assert not Activity.objects.filter(party=other).exists()
    merged = Activity.objects.get(party=survivor, verb="party.merged")
    assert merged.actor == owner and "1 orders" in merged.summary
    assert survivor.contact_points.filter(kind="phone").exists()
    assert find_duplicates() == []


def test_reimport_after_merge_lands_on_the_survivor(two_sources, owner, write_csv):
    survivor, other = two_sources
    do_merge_parties(survivor, other, actor=owner)
    pay = write_csv(
        "pay2.csv",
        [
            ["Invoice", "Date", "Customer", "E-mail", "Total"],
            ["P2", "2024-03-03", "김민지", "mj@pay.example", "5000"],
        ],
    )
    do_import_file(pay, source="payments")
    assert Order.objects.get(external_id="P2").party == survivor


def test_merge_refuses_self_and_already_merged(two_sources, owner):
    survivor, other = two_sources
    with pytest.raises(MergeRefused):
        do_merge_parties(survivor, survivor, actor=owner)
    do_merge_parties(survivor, other, actor=owner)
    with pytest.raises(MergeRefused):
        do_merge_parties(survivor, other, actor=owner)
    assert Engagement.objects.count() == 0
