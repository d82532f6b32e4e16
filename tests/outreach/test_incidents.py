"""An incident reaches exactly the affected parties, at once, whatever their marketing choices."""

from __future__ import annotations

import pytest
from django.test import Client

from patron.commerce.models import Engagement, Offering, Order, OrderLine
from patron.outreach.delivery import deliver_due
from patron.outreach.incidents import affected_parties, do_send_notice, draft_notice
from patron.outreach.models import Incident, OutboxMessage

from .conftest import at_kst, grant, make_party

START, END = at_kst(2026, 6, 1, 9), at_kst(2026, 6, 3, 18)


def order(party, offering, when, status="paid", number=[0]):  # noqa: B006 - a counter
    number[0] += 1
    placed = Order.objects.create(
        source="test",
        external_id=str(number[0]),
        party=party,
        occurred_at=when,
        currency="KRW",
        amount=10000,
        status=status,
        row_digest="x",
    )
    OrderLine.objects.create(order=placed, line_no=1, offering=offering, name=offering.name)


@pytest.fixture
def incident(db):
    tea, cups = Offering.objects.create(name="녹차"), Offering.objects.create(name="찻잔")
    parties = {
        name: make_party(i, phone=True, name=name)
        for i, name in enumerate(
            ["in_window", "before", "after", "other_offering", "cancelled", "engaged", "no_order"]
        )
    }
    order(parties["in_window"], tea, at_kst(2026, 6, 2, 12))
    order(parties["before"], tea, at_kst(2026, 5, 31, 23))
    order(parties["after"], tea, at_kst(2026, 6, 3, 19))
    order(parties["other_offering"], cups, at_kst(2026, 6, 2, 12))
    order(parties["cancelled"], tea, at_kst(2026, 6, 2, 12), status="cancelled")
    Engagement.objects.create(
        party=parties["engaged"],
        kind="appointment",
        title="다도 수업",
        offering=tea,
        started_at=at_kst(2026, 5, 30, 10),
        ended_at=at_kst(2026, 6, 1, 12),
    )
    declared = Incident.objects.create(title="녹차 변질", starts_at=START, ends_at=END)
    declared.offerings.add(tea)
    return declared, parties


def test_the_audience_is_exactly_the_affected_parties(incident):
    declared, _parties = incident
    found = set(affected_parties(declared).values_list("display_name", flat=True))
    assert found == {"in_window", "engaged"}


def test_notices_reach_people_who_refused_marketing_at_night_then_updates_follow(
    incident, manager, settings
):
    declared, parties = incident
    settings.PATRON_SMS_PROVIDER = "demo"  # printed on the console, marked "demo"
    grant([parties["in_window"]], "sms", "marketing", granted=False)
    subject, body = draft_notice(declared)
    night = at_kst(2026, 6, 2, 23, 30)
    notice = do_send_notice(declared, "notice", subject, body, actor=manager, now=night)
    assert notice.planned == {"planned_sms": 2}
    assert deliver_due(now=night).counts == {"demo_sms": 2}
    do_send_notice(
        declared,
        "resolution",
        "해결되었습니다",
        "{{ first_name }} 님, 해결되었습니다.",
        actor=manager,
    )
    told = OutboxMessage.objects.filter(topic=f"incident:{declared.pk}")
    assert told.count() == 4
    assert set(told.values_list("party__display_name", flat=True)) == {"in_window", "engaged"}
    declared.refresh_from_db()
    assert declared.status == "resolved"


def test_the_incident_page_shows_who_was_told(incident, manager):
    declared, _parties = incident
    client = Client()
    client.force_login(manager)
    page = client.get(f"/incidents/{declared.pk}/").content.decode()
    assert "2 parties affected" in page
    answer = client.post(
        f"/incidents/{declared.pk}/send/",
        {"kind": "notice", "subject": "문제 안내", "body": "{{ first_name }} 님, 죄송합니다."},
    )
    assert answer.status_code == 302
    page = client.get(f"/incidents/{declared.pk}/").content.decode()
    assert "in_window" in page and "engaged" in page and "문제 안내" in page


def test_a_notice_needs_words(incident, manager):
    declared, _ = incident
    from patron.outreach.incidents import IncidentRefused

    with pytest.raises(IncidentRefused):
        do_send_notice(declared, "notice", "", "", actor=manager)
    assert not OutboxMessage.objects.exists()


def test_the_incident_page_counts_those_it_does_not_name(incident, manager, monkeypatch):
    from patron.web.views import incidents as page_of

    declared, _parties = incident
    client = Client()
    client.force_login(manager)
    monkeypatch.setattr(page_of, "SHOWN_AFFECTED", 1)  # two affected, one named
    page = client.get(f"/incidents/{declared.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert page.count('<li><a href="/parties/') == 1 and "외 1명" in page
    monkeypatch.setattr(page_of, "SHOWN_AFFECTED", 50)
    page = client.get(f"/incidents/{declared.pk}/").content.decode()
    assert "affected-more" not in page


def test_a_notice_that_reads_like_an_offer_is_refused_until_the_approver_says_it_is_none(
    incident, manager
):
    from patron.outreach.incidents import IncidentRefused

    declared, _parties = incident
    body = "{{ first_name }} 님, 죄송합니다. 사과의 뜻으로 다음 주문 10% 할인 쿠폰을 드립니다."
    with pytest.raises(IncidentRefused) as refused:
        do_send_notice(declared, "notice", "사과드립니다", body, actor=manager)
    assert refused.value.params == {"signs": "할인, 쿠폰, 10%"}
    assert not OutboxMessage.objects.exists()
    notice = do_send_notice(
        declared, "notice", "사과드립니다", body, actor=manager, not_advertising=True
    )
    assert sum(notice.planned.values()) == 2


def test_the_approval_says_how_many_it_reaches_and_asks_first(incident, manager):
    declared, _parties = incident
    client = Client()
    client.force_login(manager)
    page = client.get(f"/incidents/{declared.pk}/").content.decode()
    assert 'data-confirm="This notice goes to 2 parties now' in page
