"""SMS, LMS and KakaoTalk 알림톡 through the real Solapi and NHN Cloud adapters, against local
servers that speak each provider's documented contract (tests/outreach/providers.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from patron.outreach.delivery import deliver_due
from patron.outreach.models import KakaoTemplate, OutboxMessage, Suppression
from patron.outreach.planner import do_plan_campaign
from patron.outreach.services import (
    CampaignRefused,
    do_launch_campaign,
    do_save_kakao_template,
)
from patron.outreach.templating import TemplateRefused

from . import providers
from .conftest import at_kst, campaign_for, grant, make_party

SHORT = "{{ first_name }} 님, 봄 신상품이 나왔어요"
LONG = "{{ first_name }} 님, " + "새로 들어온 녹차와 다구를 소개합니다. " * 8


@pytest.fixture
def provider(settings):
    with providers.ProviderServer() as server:
        settings.PATRON_SENDER_NAME = "한옥찻집"
        settings.PATRON_SENDER_CONTACT = ""
        settings.PATRON_SMS_SENDER = "02-1234-5678"
        settings.PATRON_SMS_OPTOUT_NUMBER = "080-123-4567"
        settings.PATRON_SOLAPI_API_KEY = providers.SOLAPI_KEY
        settings.PATRON_SOLAPI_API_SECRET = providers.SOLAPI_SECRET
        settings.PATRON_SOLAPI_URL = server.url
        settings.PATRON_NHN_APP_KEY = providers.NHN_APP_KEY
        settings.PATRON_NHN_SECRET_KEY = providers.NHN_SECRET
        settings.PATRON_NHN_ALIMTALK_APP_KEY = providers.NHN_ALIMTALK_KEY
        settings.PATRON_NHN_SMS_URL = server.url
        settings.PATRON_NHN_ALIMTALK_URL = server.url
        settings.PATRON_KAKAO_SENDER_KEY = "kakao-sender-key"
        settings.PATRON_EMAIL_QUIET_HOURS = False
        yield server


def daytime():
    """Plan and deliver at 11:00 Korean time, whatever the clock says."""
    return at_kst(2026, 6, 1, 11)


def send_sms_campaign(body: str, parties, *, message_class="promotional"):
    campaign = campaign_for({}, channel="sms", body=body, message_class=message_class)
    moment = daytime()
    do_launch_campaign(campaign, now=moment)
    do_plan_campaign(campaign, now=moment)
    return campaign, deliver_due(limit=100, now=moment)


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_short_texts_go_as_sms_and_long_ones_as_lms(db, provider, settings, name):
    settings.PATRON_SMS_PROVIDER = name
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    send_sms_campaign(SHORT, [party])
    send_sms_campaign(LONG, [party])
    short, long = provider.received
    if name == "solapi":
        assert (short["type"], long["type"]) == ("SMS", "LMS")
        assert short["from"] == providers.SENDER and short["to"] == "01010000001"
        text = short["text"]
    else:
        assert (short["kind"], long["kind"]) == ("ad-sms", "ad-mms")
        text = short["body"]
    assert text.startswith("(광고)한옥찻집 02-1234-5678\n")  # the registered number: the contact
    assert text.endswith("무료수신거부 080-123-4567")
    rows = OutboxMessage.objects.filter(party=party).order_by("pk")
    assert [row.status for row in rows] == ["sent", "sent"]
    assert all(row.provider_id for row in rows)


def test_a_wrong_secret_stops_the_batch_and_keeps_every_message(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "solapi"
    settings.PATRON_SOLAPI_API_SECRET = "not-the-secret"
    parties = [make_party(i, email=False, phone=True) for i in range(3)]
    grant(parties, "sms", "marketing")
    _, report = send_sms_campaign(SHORT, parties)
    assert report.counts == {"retry_later": 3}
    assert provider.received == []
    first = OutboxMessage.objects.filter(party__in=parties).order_by("pk").first()
    assert first.status == "queued"
    assert first.reason == {
        "code": "outreach.retry",
        "error": "solapi.SignatureDoesNotMatch",
        "attempts": 1,
    }


def test_running_out_of_balance_waits_and_a_blocked_number_is_suppressed(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "solapi"
    blocked, fine = make_party(1, email=False, phone=True), make_party(2, email=False, phone=True)
    grant([blocked, fine], "sms", "marketing")
    provider.blocked = {"01010000001"}
    provider.balance = 20  # one SMS
    _, report = send_sms_campaign(SHORT, [blocked, fine])
    assert report.counts == {"failed": 1, "sent_sms": 1}
    assert Suppression.objects.get(address=blocked.phone).reason == "refused"
    failed = OutboxMessage.objects.get(party=blocked)
    assert failed.reason["error"] == "solapi.1061"

    # The next campaign finds the balance empty: its messages wait for a top-up.
    _, again = send_sms_campaign(SHORT + "!", [blocked, fine])
    assert again.counts == {"retry_later": 1}
    waiting = OutboxMessage.objects.filter(party=fine, status="queued").get()
    assert waiting.reason["error"] == "solapi.NotEnoughBalance"
    assert OutboxMessage.objects.filter(party=blocked, status="skipped").count() == 1


def kakao_template(provider) -> KakaoTemplate:
    approved = "#{고객명}님, 주문하신 #{상점}의 배송이 하루 늦어집니다. 죄송합니다."
    provider.kakao_templates["DELAY01"] = approved
    return do_save_kakao_template(
        KakaoTemplate(
            name="배송 지연",
            code="DELAY01",
            text=approved,
            variables={"#{고객명}": "first_name", "#{상점}": "business"},
        )
    )


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_alimtalk_fills_only_the_variables_and_falls_back_to_sms(db, provider, settings, name):
    settings.PATRON_SMS_PROVIDER = name
    for i in (1, 2):
        make_party(i, email=False, phone=True)
    provider.no_kakao = {"01010000002"}
    campaign = campaign_for(
        {},
        channel="kakao",
        message_class="service",
        body="{{ first_name }}님, 배송이 하루 늦어집니다.",
    )
    campaign.template.kakao = kakao_template(provider)
    campaign.template.save()
    moment = daytime()
    do_launch_campaign(campaign, now=moment)
    assert do_plan_campaign(campaign, now=moment).as_dict() == {"planned_kakao": 2}
    assert deliver_due(now=moment).counts == {"sent_kakao": 2}
    first, second = provider.received
    if name == "solapi":
        assert first["type"] == "ATA"
        assert first["kakaoOptions"]["variables"] == {
            "#{고객명}": "고객0001",
            "#{상점}": "한옥찻집",
        }
        assert second["delivered_as"] == "SMS"
        assert second["text"] == "고객0002님, 배송이 하루 늦어집니다."
    else:
        assert first["parameters"] == {"고객명": "고객0001", "상점": "한옥찻집"}
        assert second["delivered_as"] == "SMS"
        assert second["resendContent"] == "고객0002님, 배송이 하루 늦어집니다."


def test_a_kakao_template_must_fill_every_variable_from_a_merge_field(db, provider):
    with pytest.raises(TemplateRefused):
        do_save_kakao_template(KakaoTemplate(name="x", code="X", text="#{고객명}님", variables={}))
    with pytest.raises(TemplateRefused):
        do_save_kakao_template(
            KakaoTemplate(
                name="x", code="X", text="#{고객명}님", variables={"#{고객명}": "password"}
            )
        )


def test_advertising_is_never_sent_by_alimtalk(db, provider):
    campaign = campaign_for({}, channel="kakao", message_class="promotional")
    campaign.template.kakao = kakao_template(provider)
    campaign.template.save()
    with pytest.raises(CampaignRefused):
        do_launch_campaign(campaign)
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_best_channel_for_a_service_notice_prefers_kakao_then_sms_then_email(
    db, provider, settings
):
    settings.PATRON_SMS_PROVIDER = "solapi"
    by_phone = make_party(1, email=True, phone=True)
    by_email = make_party(2, email=True, phone=False)
    nowhere = make_party(3, email=False, phone=False)
    campaign = campaign_for({}, channel="best", message_class="service")
    campaign.template.kakao = kakao_template(provider)
    campaign.template.save()
    do_launch_campaign(campaign)
    counts = do_plan_campaign(campaign, now=timezone.now()).as_dict()
    assert counts == {"planned_email": 1, "planned_kakao": 1, "skipped_unreachable": 1}
    assert OutboxMessage.objects.get(party=by_phone).channel == "kakao"
    assert OutboxMessage.objects.get(party=by_email).channel == "email"
    assert OutboxMessage.objects.get(party=nowhere).status == "skipped"
