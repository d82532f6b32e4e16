"""Each party's lists from everyone's purchases: what is due again by their own rhythm, what
parties like them bought, never a tailored service, shown on their page and at the counter,
and computed by an import's refresh."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from patron.commerce.models import Offering, OfferingKind, Order, OrderLine
from patron.loyalty.models import PartyRecommendation
from patron.loyalty.recommendations import do_recommend, lists_for
from patron.outreach.audience import people

from .conftest import make_party

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
TODAY = dt.date(2026, 12, 7)


def bought(party, offering, day: dt.date, *, status="paid", n=[0]):  # noqa: B006
    n[0] += 1
    order = Order.objects.create(
        source="cafe24",
        external_id=f"R{n[0]}",
        party=party,
        occurred_at=dt.datetime.combine(day, dt.time(14), tzinfo=SEOUL),
        status=status,
        currency="KRW",
        amount=10_000,
        row_digest="x",
    )
    OrderLine.objects.create(
        order=order, line_no=1, name=offering.name, offering=offering, unit_price=10_000
    )
    return order


@pytest.fixture
def shop():
    names = ("원두", "드립백", "머그", "필터", "맞춤 로고 컵")
    made = {name: Offering.objects.create(name=name) for name in names}
    made["맞춤 로고 컵"].kind = OfferingKind.TAILORED
    made["맞춤 로고 컵"].save()
    return made


def test_a_regular_purchase_is_due_again_by_its_own_rhythm(shop):
    regular = make_party(1)
    for days_ago in (95, 65, 35):  # every 30 days, last bought 35 days ago
        bought(regular, shop["원두"], TODAY - dt.timedelta(days=days_ago))
    bought(regular, shop["머그"], TODAY - dt.timedelta(days=2))
    do_recommend(today=TODAY)
    lists = lists_for(regular.pk)
    assert [item["offering"] for item in lists["again"]] == [shop["원두"]]
    assert lists["again"][0]["due"] == TODAY - dt.timedelta(days=5)  # 35 - 30
    assert lists["again"][0]["rhythm"] == 30
    assert shop["머그"] not in lists["discover"]  # just bought


def test_discover_suggests_what_similar_parties_bought_never_a_tailored_service(shop):
    for i in range(6):  # who buys beans buys filters (and some ordered a logo cup)
        party = make_party(10 + i)
        bought(party, shop["원두"], TODAY - dt.timedelta(days=40))
        bought(party, shop["필터"], TODAY - dt.timedelta(days=20))
        bought(party, shop["맞춤 로고 컵"], TODAY - dt.timedelta(days=10))
    for i in range(3):
        bought(make_party(30 + i), shop["머그"], TODAY - dt.timedelta(days=30))
    newcomer = make_party(40)
    bought(newcomer, shop["원두"], TODAY - dt.timedelta(days=3))
    counts = do_recommend(today=TODAY)
    assert counts["model"] == "ease" and counts["parties"] == 10
    discover = lists_for(newcomer.pk)["discover"]
    assert discover[0] == shop["필터"]
    assert shop["원두"] not in discover and shop["맞춤 로고 컵"] not in discover


def test_lists_are_replaced_and_go_when_the_purchases_do(shop):
    party = make_party(1)
    order = bought(party, shop["원두"], TODAY - dt.timedelta(days=3))
    bought(make_party(2), shop["필터"], TODAY - dt.timedelta(days=3))
    do_recommend(today=TODAY)
    assert PartyRecommendation.objects.filter(party=party).exists()
    order.status = "cancelled"
    order.save()
    do_recommend(today=TODAY)
    assert not PartyRecommendation.objects.filter(party=party).exists()
    assert lists_for(party.pk) == {"again": [], "discover": [], "computed_at": None}


def test_the_merge_field_and_the_pages_show_them(shop, client, owner):
    party = make_party(1, phone=True)
    today = timezone.localdate()
    for days_ago in (100, 70, 40):  # due again 10 days ago
        bought(party, shop["드립백"], today - dt.timedelta(days=days_ago))
    bought(make_party(2), shop["머그"], today - dt.timedelta(days=3))
    do_recommend()
    assert people([party.pk], ["recommended"])[party.pk].extra == {"recommended": "드립백"}
    client.force_login(owner)
    page = client.get(f"/parties/{party.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert 'data-testid="suggested"' in page and "재구매 추천" in page and "드립백" in page
    counter = client.get(f"/counter/?party={party.pk}").content.decode()
    assert "드립백" in counter.split('data-testid="suggested"', 1)[1]


def test_an_imports_refresh_leaves_every_party_with_lists(tmp_path):
    from patron.commerce.imports import do_import_file
    from patron.jobs import refresh_parties

    export = tmp_path / "orders.csv"
    export.write_text(
        "order_id,date,name,email,phone,product,amount\n"
        "A1,2026-10-03,김민지,minji@example.com,,원두,10000\n"
        "A2,2026-11-04,박서준,seojun@example.com,,원두,10000\n"
        "A3,2026-11-05,박서준,seojun@example.com,,필터,5000\n",
        encoding="utf-8",
    )
    report = do_import_file(export)
    result = refresh_parties.call(import_run=report.run_id)
    assert result["recommended"] == 2
    minji = PartyRecommendation.objects.get(party__email="minji@example.com")
    assert minji.discover[0] == Offering.objects.get(name="필터").pk
