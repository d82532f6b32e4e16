from __future__ import annotations

import pytest
from django.urls import reverse

from patron.demo import do_load_demo
from patron.insight.models import PartyScore
from patron.insight.scoring import do_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored():
    do_load_demo(seed=5, parties=300)
    return do_score()


def test_outsider_is_refused_the_insight_pages(client, outsider, scored):
    client.force_login(outsider)
    for name in ("at_risk", "candidates"):
        assert client.get(reverse(name)).status_code == 403


def test_dashboard_draws_the_charts_as_svg(client, teammate, scored):
    client.force_login(teammate)
    page = client.get(reverse("dashboard")).content.decode()
    assert page.count("<svg") == 3
    assert "Lifecycle stage by relationship" in page
    assert "repeat purchases after it; there were" in page
    korean = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "클라이언트" in korean.split("<svg")[1]  # the chart legend speaks Korean too


def test_party_page_speaks_plainly(client, teammate, scored):
    client.force_login(teammate)
    score = PartyScore.objects.filter(frequency__gte=3).first()
    page = client.get(reverse("party", args=[score.party_id])).content.decode()
    assert "Chance they are still an active buyer: " in page
    assert "Usually buys every" in page and "Last bought" in page
    assert "Value over the next 12 months" in page and "₩" in page
    assert "Usually buys:" in page.split("Preferences")[1]


def test_a_one_time_buyer_gets_no_chance_still_active(client, teammate, scored):
    client.force_login(teammate)
    score = PartyScore.objects.filter(frequency=0).first()
    page = client.get(reverse("party", args=[score.party_id])).content.decode()
    assert "Chance they are still an active buyer" not in page
    assert "Bought once so far" in page


def test_at_risk_list_is_sorted_by_value_and_filters(client, teammate, scored):
    client.force_login(teammate)
    response = client.get(reverse("at_risk"), {"stage": "at_risk"})
    rows = [score for score, _ in response.context["rows"]]
    assert rows and all(score.stage == "at_risk" for score in rows)
    assert [s.clv for s in rows] == sorted((s.clv for s in rows), reverse=True)
    dormant = client.get(reverse("at_risk"), {"stage": "dormant", "kind": "client"})
    assert all(s.party.relationship.kind == "client" for s, _ in dormant.context["rows"])


def test_candidates_are_customers_ranked_with_reasons(client, teammate, scored):
    client.force_login(teammate)
    response = client.get(reverse("candidates"), {"market": "b2c", "active": "1"})
    page = list(response.context["page"])
    assert page and all(s.party.market == "b2c" and s.stage in ("new", "active") for s in page)
    assert [s.propensity for s in page] == sorted((s.propensity for s in page), reverse=True)
    assert any(s.propensity_reasons for s in page)
    assert "client" not in {s.party.relationship.kind for s in page}


def test_pages_before_any_scoring_say_so(client, teammate):
    client.force_login(teammate)
    assert "No scores yet" in client.get(reverse("dashboard")).content.decode()
    assert "No scores yet" in client.get(reverse("at_risk")).content.decode()
