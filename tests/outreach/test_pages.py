"""The keeping-in-touch pages: segments, templates, campaigns, as an owner, staff and outsider."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from patron.outreach import links
from patron.outreach.models import Campaign, OutboxMessage, Segment, Template
from patron.outreach.planner import do_plan_campaign
from patron.parties.models import Consent

from .conftest import campaign_for, grant, make_party


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_an_owner_builds_a_segment_template_and_campaign_and_launches_it(db, owner_client):
    customer, client_party = make_party(1), make_party(2, kind="client")
    grant([customer, client_party], "email", "marketing")
    answer = owner_client.post(
        "/outreach/segments/new/",
        {"name": "Agreed by email", "consent": ["marketing"], "reachable": ["email"]},
    )
    segment = Segment.objects.get()
    assert answer.status_code == 302 and segment.filters == {
        "consent": ["marketing"],
        "reachable": ["email"],
    }
    assert "2" in owner_client.get(f"/outreach/segments/{segment.pk}/").content.decode()
    owner_client.post(
        "/outreach/templates/new/",
        {
            "name": "Spring",
            "message_class": "promotional",
            "format": "markdown",
            "subject": "봄 신상품",
            "body": "{{ first_name }} 님, **10% 할인**으로 바로 써 보세요.",
            "client_subject": "",
            "client_body": "{{ first_name }} 님, {{ years }}년 함께해 주셔서 감사합니다.",
        },
    )
    template = Template.objects.get()
    owner_client.post(
        "/outreach/campaigns/new/",
        {"name": "Spring", "template": template.pk, "segment": segment.pk, "channel": "email"},
    )
    campaign = Campaign.objects.get()
    page = owner_client.get(f"/outreach/campaigns/{campaign.pk}/").content.decode()
    assert "10% 할인" in page and "함께해 주셔서" in page  # both variants, real parties
    assert "Email: 2 parties" in page  # who it would reach before launch
    assert "(광고) 봄 신상품" in page
    assert owner_client.post(f"/outreach/campaigns/{campaign.pk}/launch/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "planning"
    do_plan_campaign(campaign)
    assert OutboxMessage.objects.filter(campaign=campaign, status="queued").count() == 2


def test_a_template_with_forbidden_syntax_is_refused_on_the_page(db, owner_client):
    answer = owner_client.post(
        "/outreach/templates/new/",
        {
            "name": "x",
            "message_class": "promotional",
            "format": "markdown",
            "subject": "s",
            "body": "{{ settings.SECRET_KEY }}",
            "client_subject": "",
            "client_body": "",
        },
    )
    assert answer.status_code == 200 and not Template.objects.exists()
    assert "settings.SECRET_KEY" in answer.content.decode()


def test_staff_see_campaigns_but_cannot_launch(db, teammate):
    client = Client()
    client.force_login(teammate)
    assert client.get("/outreach/").status_code == 200
    assert client.get("/outreach/campaigns/new/").status_code == 403


def test_an_outsider_sees_nothing(db, outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get("/outreach/").status_code in (302, 403)


def test_an_owner_tightens_the_weekly_promotion_budget(db, owner_client):
    from patron.outreach.rules import pressure_rules

    answer = owner_client.post(
        "/outreach/rules/",
        {
            "rule": "1",
            "kind": "customer",
            "message_class": "promotional",
            "max_messages": "1",
            "days": "7",
        },
    )
    assert answer.status_code == 302
    customer_rules = pressure_rules()["customer"]
    assert any(r.message_class == "promotional" and r.max_messages == 1 for r in customer_rules)
    assert "1" in owner_client.get("/outreach/rules/").content.decode()


def test_staff_cannot_change_the_rules(db, teammate):
    client = Client()
    client.force_login(teammate)
    client.post(
        "/outreach/rules/",
        {
            "rule": "1",
            "kind": "customer",
            "message_class": "promotional",
            "max_messages": "9",
            "days": "7",
        },
    )
    from patron.outreach.models import PressureRule

    assert not PressureRule.objects.exists()


def test_a_kakao_template_is_added_on_the_rules_page(db, owner_client):
    from patron.outreach.models import KakaoTemplate

    template = {
        "name": "배송",
        "code": "SHIP01",
        "text": "#{고객명}님, 발송되었습니다.",
        "variables_text": "#{고객명}=first_name",
    }
    # Whether Kakao approved it is the owner's to say: a form without it is refused.
    assert owner_client.post("/outreach/rules/", template).status_code == 200
    assert not KakaoTemplate.objects.exists()
    owner_client.post("/outreach/rules/", {**template, "status": "approved"})
    assert KakaoTemplate.objects.get().variables == {"#{고객명}": "first_name"}
    # The merge field as a template writes it is the same field.
    owner_client.post(
        "/outreach/rules/",
        {
            "name": "배송 2",
            "code": "SHIP02",
            "text": "#{고객명}님, 도착했습니다.",
            "variables_text": "#{고객명}={{ first_name }}",
            "status": "requested",
        },
    )
    assert KakaoTemplate.objects.get(code="SHIP02").variables == {"#{고객명}": "first_name"}


def test_a_huge_segment_number_is_refused_and_the_pages_still_work(db, owner_client):
    answer = owner_client.post("/outreach/segments/new/", {"name": "x", "quiet_days": "1000000"})
    assert answer.status_code == 200 and not Segment.objects.exists()
    assert owner_client.get("/outreach/").status_code == 200


def test_an_event_invitation_cannot_be_a_service_notice(db, owner_client):
    segment = Segment.objects.create(name="all")
    owner_client.post(
        "/events/",
        {
            "title": "t",
            "starts_at": "2026-12-01T10:00",
            "segment": segment.pk,
            "message_class": "service",
        },
    )
    from patron.outreach.models import Event

    assert not Event.objects.exists()


def reach_setup(settings):
    from patron.outreach.models import Suppression

    from .conftest import campaign_for

    settings.PATRON_SMS_OPTOUT_NUMBER = "080-123-4567"  # texts may carry advertising
    by_email = make_party(1, phone=True)
    by_text = make_party(2, phone=True)  # said nothing by email, yes by text
    bounced = make_party(3, phone=True)
    make_party(4)  # reachable by email, never agreed
    grant([by_email, bounced], "email", "marketing")
    grant([by_email, by_text, bounced], "sms", "marketing")
    Suppression.objects.create(channel="email", address=bounced.email, reason="bounced")
    return campaign_for({}, channel="best")


def test_the_reach_counts_each_party_once_and_says_who_would_wait_and_why(db, settings):
    from patron.outreach.queries import campaign_reach

    reach = campaign_reach(reach_setup(settings))  # no text provider is set up
    assert reach.channels == {"email": 1, "sms": 2}
    assert reach.waiting == {"sms": {"code": "channel.no_provider"}}
    assert (reach.total, reach.sends_now, reach.waits, reach.skipped) == (4, 1, 2, 1)
    assert (reach.no_address, reach.not_agreed) == (0, 1)


def test_without_the_080_number_no_advertising_is_counted_on_texts(db, settings):
    from patron.outreach.queries import campaign_reach

    campaign = reach_setup(settings)
    settings.PATRON_SMS_OPTOUT_NUMBER = ""
    reach = campaign_reach(campaign)
    assert reach.channels == {"email": 1}
    assert reach.not_agreed == 3  # the two agreed by text only cannot get an ad without it


def test_the_launch_confirmation_says_who_goes_who_waits_and_who_is_skipped_in_korean(
    db, settings, owner_client
):
    campaign = reach_setup(settings)
    page = owner_client.get(
        f"/outreach/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    launch = re.search(r'action="[^"]*/launch/"[^>]*data-confirm="([^"]+)"', page)
    confirm = launch.group(1)
    assert confirm == (
        "고객 묶음 4명 중 1명에게 지금 이 캠페인이 갑니다. 2건은 설정되지 않은 경로라서 "
        "대기합니다. 1명은 받지 않습니다(연락처 없음 또는 동의 없음). 진행할까요?"
    )
    assert "문자 발송 업체가 설정되지 않음" in page


def test_a_manager_adds_a_cadence_and_turns_it_off(db, manager):
    from patron.outreach.models import Cadence

    client = Client()
    client.force_login(manager)
    refused = client.post(
        "/outreach/cadences/",
        {
            "name": "생일",
            "rule": "birthday",
            "kind": "*",
            "days": "0",
            "channel": "best",
            "enabled": "on",
        },
    )
    assert refused.status_code == 200 and not Cadence.objects.exists()  # no template
    client.post(
        "/outreach/cadences/",
        {
            "name": "안부",
            "rule": "check_in",
            "kind": "client",
            "days": "60",
            "channel": "best",
            "enabled": "on",
        },
    )
    cadence = Cadence.objects.get()
    assert (cadence.rule, cadence.kind, cadence.days, cadence.enabled) == (
        "check_in",
        "client",
        60,
        True,
    )
    client.post("/outreach/cadences/", {"toggle": str(cadence.pk)})
    cadence.refresh_from_db()
    assert cadence.enabled is False


def test_a_preview_hands_whoever_looks_no_working_link_of_the_customer(db, teammate):
    """Staff preview a campaign for any customer; the links they see must not let them
    withdraw that customer's consent as if the customer had."""
    customer = make_party(1)
    grant([customer], "email", "marketing")
    campaign = campaign_for({"consent": ["marketing"]})
    client = Client()
    client.force_login(teammate)
    page = client.get(f"/outreach/campaigns/{campaign.pk}/?party={customer.pk}").content.decode()
    shown = re.findall(r"/(u|preferences)/([^/\"<\s]+)/", page)
    assert "u" in {kind for kind, _ in shown}  # the email's one-click refusal
    real = {
        "u": links.unsubscribe_url(customer.pk, "email", "marketing"),
        "preferences": links.preferences_url(customer.pk),
    }
    for kind, token in shown:
        assert len(token) == len(real[kind].rstrip("/").rpartition("/")[2])  # as long (SMS)
        assert Client().post(f"/{kind}/{token}/", {}).status_code == 400  # opens nothing
    assert Consent.objects.filter(party=customer).count() == 1  # only the grant


def test_a_campaign_set_to_send_at_a_time_already_past_is_refused(db, owner_client):
    campaign = campaign_for({"consent": ["marketing"]})
    answer = owner_client.post(
        "/outreach/campaigns/new/",
        {
            "name": "Late",
            "template": campaign.template.pk,
            "segment": campaign.segment.pk,
            "channel": "email",
            "send_at": "2020-01-01T09:00",
        },
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert answer.status_code == 200 and "이미 지난 시각입니다" in answer.content.decode()
    assert Campaign.objects.count() == 1  # only the one made above
