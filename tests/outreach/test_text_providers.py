"""SMS, LMS and KakaoTalk 알림톡 through the real Solapi and NHN Cloud adapters, against local
servers built from each provider's published contract (tests/outreach/providers/): what the
provider accepts is "sent", what the carrier reports is "delivered" or "failed" with the
reason, and an answer about the account pauses the channel without losing a message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patron.outreach.campaigns import settle_campaigns
from patron.outreach.delivery import deliver_due
from patron.outreach.models import (
    ChannelPause,
    KakaoTemplate,
    OutboxMessage,
    Suppression,
)
from patron.outreach.planner import do_plan_campaign
from patron.outreach.receipts import read_due_receipts
from patron.outreach.services import (
    CampaignRefused,
    do_launch_campaign,
    do_retry_channel,
    do_save_business_settings,
    do_save_kakao_template,
)
from patron.outreach.templating import TemplateRefused, euc_kr_bytes

from . import providers
from .conftest import at_kst, campaign_for, grant, make_party

SHORT = "{{ first_name }} 님 봄 신상품"
LONG = "{{ first_name }} 님, " + "새로 들어온 녹차와 다구를 소개합니다. " * 8


@pytest.fixture
def provider(settings):
    with providers.ProviderServer() as server:
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
        settings.PATRON_KAKAO_SENDER_KEY = providers.KAKAO_SENDER_KEY
        settings.PATRON_EMAIL_QUIET_HOURS = False
        yield server


def daytime():
    """Plan and deliver at 11:00 Korean time, whatever the clock says."""
    return at_kst(2026, 6, 1, 11)


def send_sms_campaign(body: str, *, message_class="promotional", subject="봄 신상품 안내"):
    campaign = campaign_for(
        {}, channel="sms", body=body, message_class=message_class, subject=subject
    )
    moment = daytime()
    do_launch_campaign(campaign, now=moment)
    do_plan_campaign(campaign, now=moment)
    return campaign, deliver_due(limit=100, now=moment)


def the_carriers_report(provider):
    """The carriers report, and Patron asks the provider (as the worker does)."""
    provider.report()
    return read_due_receipts(now=timezone.now() + dt.timedelta(hours=1))


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_short_texts_go_as_sms_and_long_ones_as_lms(db, provider, settings, name):
    settings.PATRON_SMS_PROVIDER = name
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    send_sms_campaign(SHORT)
    send_sms_campaign(LONG)
    short, long = provider.received
    if name == "solapi":
        assert (short["type"], long["type"]) == ("SMS", "LMS")
        assert short["from"] == providers.SENDER and short["to"] == "01010000001"
        text = short["text"]
    else:
        assert (short["kind"], long["kind"]) == ("ad-sms", "ad-mms")
        assert not short["truncated"]
        text = short["body"]
    assert text.startswith("(광고)한옥찻집\n")
    assert text.endswith("문의 02-123-4567\n무료수신거부 080-123-4567")
    rows = OutboxMessage.objects.filter(party=party).order_by("pk")
    # Sent is what the provider took; nothing is "delivered" before the carrier says so.
    assert [row.status for row in rows] == ["sent", "sent"]
    assert all(row.provider_id for row in rows)  # Solapi names them only if asked


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_an_lms_title_is_cut_to_40_bytes_of_euc_kr(db, provider, settings, name):
    settings.PATRON_SMS_PROVIDER = name
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    subject = "새로 들어온 녹차와 다구, 봄맞이 특별 안내"  # 42 bytes: Solapi refuses it (1014)
    assert euc_kr_bytes(subject) > 40
    send_sms_campaign(LONG, subject=subject)
    [sent] = provider.received
    title = sent["subject"] if name == "solapi" else sent["title"]
    assert euc_kr_bytes(title) <= 40 and title.startswith("(광고) 새로 들어온")
    assert OutboxMessage.objects.get(party=party).status == "sent"


def test_characters_a_text_cannot_carry_are_refused_before_launch(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "solapi"
    campaign = campaign_for({}, channel="sms", body="{{ first_name }} 님, 햇차 🍵 들어왔어요")
    with pytest.raises(CampaignRefused) as refused:
        do_launch_campaign(campaign)
    assert refused.value.params == {"characters": "🍵"}
    campaign.refresh_from_db()
    assert campaign.status == "draft" and provider.received == []


def test_a_name_or_space_euc_kr_cannot_hold_never_fails_the_message(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "solapi"
    # A decomposed Hangul name (a Mac's NFD), an emoji in it, a no-break space in the body.
    party = make_party(1, email=False, phone=True, name="김\u1112\u1161\u11ab🌸")
    grant([party], "sms", "marketing")
    send_sms_campaign("{{ first_name }}\u00a0님 봄 신상품")
    [sent] = provider.received
    assert "김한 님 봄 신상품" in sent["text"]
    assert OutboxMessage.objects.get(party=party).status == "sent"


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_delivery_reports_say_what_arrived_and_what_failed_and_why(db, provider, settings, name):
    settings.PATRON_SMS_PROVIDER = name
    arrives, phone_off = (make_party(i, email=False, phone=True) for i in (1, 2))
    grant([arrives, phone_off], "sms", "marketing")
    provider.outcome = {"01010000002": "3043" if name == "solapi" else "2003"}
    campaign, report = send_sms_campaign(SHORT)
    assert report.counts == {"sent_sms": 2}
    campaign.status = "sending"  # as the worker's planning job leaves it (jobs.plan_campaign)
    campaign.save(update_fields=["status"])
    # Before the carriers report, asking finds both on their way, and the campaign is not done.
    assert read_due_receipts(now=timezone.now() + dt.timedelta(minutes=5)) == {"report_pending": 2}
    assert settle_campaigns() == 0
    assert the_carriers_report(provider) == {"delivered": 1, "failed_report": 1}
    assert OutboxMessage.objects.get(party=arrives).status == "delivered"
    failed = OutboxMessage.objects.get(party=phone_off)
    assert failed.status == "failed"
    assert failed.reason["error"] == ("solapi.3043" if name == "solapi" else "nhn.2003")
    assert not Suppression.objects.exists()  # a phone switched off is not a bad number
    # Every message settled: the campaign is done, with its totals.
    assert settle_campaigns() == 1
    campaign.refresh_from_db()
    assert campaign.status == "done"
    assert campaign.totals == {"delivered_sms": 1, "failed_sms": 1}


@pytest.mark.parametrize(
    ("name", "setting", "right", "error"),
    [
        (
            "solapi",
            "PATRON_SOLAPI_API_SECRET",
            providers.SOLAPI_SECRET,
            "solapi.SignatureDoesNotMatch",
        ),
        ("nhn", "PATRON_NHN_SECRET_KEY", providers.NHN_SECRET, "nhn.-1000"),
    ],
)
def test_a_refused_account_pauses_the_channel_and_keeps_every_message(
    db, provider, settings, name, setting, right, error
):
    settings.PATRON_SMS_PROVIDER = name
    setattr(settings, setting, "not-the-secret")
    parties = [make_party(i, email=False, phone=True) for i in range(3)]
    grant(parties, "sms", "marketing")
    _, report = send_sms_campaign(SHORT)
    assert report.counts == {"paused": 3}
    assert provider.received == []
    pause = ChannelPause.objects.get(channel="sms")
    assert pause.reason["error"] == error
    rows = OutboxMessage.objects.filter(party__in=parties)
    assert set(rows.values_list("status", "attempts")) == {("queued", 0)}  # untried
    assert deliver_due(now=daytime()).handled == 0  # nothing is tried while paused

    # Saving settings that do not touch texts leaves the pause as it is.
    do_save_business_settings({"name": "Another name"})
    assert ChannelPause.objects.exists()

    # The owner fixes the key and asks to try again now: everything goes.
    setattr(settings, setting, right)
    assert do_retry_channel("sms")
    assert not ChannelPause.objects.exists()
    assert deliver_due(now=daytime()).counts == {"sent_sms": 3}


def test_any_refusal_of_the_account_pauses_even_one_no_list_names(db, provider, settings):
    """An IP allow-list refusal (403 Forbidden) is in no hard-coded list: it still pauses."""
    settings.PATRON_SMS_PROVIDER = "solapi"
    provider.solapi.ip_allowed = False
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    _, report = send_sms_campaign(SHORT)
    assert report.counts == {"paused": 1}
    assert ChannelPause.objects.get().reason["error"] == "solapi.Forbidden"
    assert OutboxMessage.objects.get().status == "queued"


def test_running_out_of_balance_pauses_and_a_blocked_number_is_suppressed(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "solapi"
    blocked, fine = make_party(1, email=False, phone=True), make_party(2, email=False, phone=True)
    grant([blocked, fine], "sms", "marketing")
    provider.blocked = {"01010000001"}
    provider.solapi.balance = 20  # one SMS
    _, report = send_sms_campaign(SHORT)
    assert report.counts == {"failed": 1, "sent_sms": 1}
    assert Suppression.objects.get(address=blocked.phone).reason == "refused"
    assert OutboxMessage.objects.get(party=blocked).reason["error"] == "solapi.1061"

    # The next campaign finds the balance empty: the channel waits for a top-up.
    _, again = send_sms_campaign(SHORT + "!")
    assert again.counts == {"paused": 1}
    waiting = OutboxMessage.objects.filter(party=fine, status="queued").get()
    assert waiting.reason["error"] == "solapi.NotEnoughBalance"
    assert OutboxMessage.objects.filter(party=blocked, status="skipped").count() == 1


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_a_foreign_number_is_sent_with_its_country_not_as_a_korean_one(
    db, provider, settings, name
):
    settings.PATRON_SMS_PROVIDER = name
    party = make_party(1, email=False, phone=True)
    party.phone = "+14155550123"
    party.save(update_fields=["phone"])
    grant([party], "sms", "marketing")
    send_sms_campaign(SHORT)
    [sent] = provider.received
    assert (sent["country"], sent["to"]) == ("1", "4155550123")


def kakao_template(provider, text=None) -> KakaoTemplate:
    approved = text or "#{고객명}님, 주문하신 #{상점}의 배송이 하루 늦어집니다. 죄송합니다."
    provider.kakao_templates["DELAY01"] = approved
    return do_save_kakao_template(
        KakaoTemplate(
            name="배송 지연",
            code="DELAY01",
            text=approved,
            variables={"#{고객명}": "first_name", "#{상점}": "business"},
        )
    )


def kakao_campaign(provider, parties):
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
    assert do_plan_campaign(campaign, now=moment).as_dict() == {"planned_kakao": len(parties)}
    return campaign, deliver_due(now=moment)


@pytest.mark.parametrize("name", ["solapi", "nhn"])
def test_alimtalk_fills_only_the_variables_and_a_text_goes_when_kakao_cannot(
    db, provider, settings, name
):
    settings.PATRON_SMS_PROVIDER = name
    parties = [make_party(i, email=False, phone=True) for i in (1, 2)]
    provider.no_kakao = {"01010000002"}
    _, report = kakao_campaign(provider, parties)
    assert report.counts == {"sent_kakao": 2}
    first, second = provider.received
    if name == "solapi":
        assert first["type"] == "ATA"
        assert first["kakaoOptions"]["variables"] == {
            "#{고객명}": "고객0001",
            "#{상점}": "한옥찻집",
        }
        assert second["text"] == "고객0002님, 배송이 하루 늦어집니다."
    else:
        assert first["parameters"] == {"고객명": "고객0001", "상점": "한옥찻집"}
        assert second["resendContent"] == "고객0002님, 배송이 하루 늦어집니다."
    assert second["delivered_as"] == "SMS"
    assert the_carriers_report(provider) == {"delivered": 1, "delivered_as_text": 1}
    fell_back = OutboxMessage.objects.get(party=parties[1])
    assert fell_back.status == "delivered" and fell_back.report["fallback"] == "SMS"


def test_nhn_alimtalk_a_recipients_failure_is_not_the_accounts(db, provider, settings):
    """A request whose only recipient fails answers -1031 (since 2025-04-29): that message
    fails, the batch goes on, and no channel is paused."""
    settings.PATRON_SMS_PROVIDER = "nhn"
    ok = make_party(1, email=False, phone=True)
    bad = make_party(2, email=False, phone=True)
    bad.phone = "+8201"  # a number NHN refuses (-5000)
    bad.save(update_fields=["phone"])
    _, report = kakao_campaign(provider, [ok, bad])
    assert report.counts == {"failed": 1, "sent_kakao": 1}
    assert OutboxMessage.objects.get(party=bad).reason["error"] == "nhn-at.-5000"
    assert not ChannelPause.objects.exists()


def test_nhn_alimtalk_codes_are_read_from_the_alimtalk_table(db, provider, settings):
    """-2019 is "template content over 1,300 characters" for 알림톡, not an invalid number:
    the message fails and the number is not suppressed."""
    settings.PATRON_SMS_PROVIDER = "nhn"
    party = make_party(1, email=False, phone=True)
    campaign = campaign_for({}, channel="kakao", message_class="service", body="알림")
    long_text = "#{고객명}님, #{상점}입니다. " + "안내 " * 450  # 1,300 characters and more
    campaign.template.kakao = kakao_template(provider, text=long_text)
    campaign.template.save()
    do_launch_campaign(campaign, now=daytime())
    do_plan_campaign(campaign, now=daytime())
    assert deliver_due(now=daytime()).counts == {"failed": 1}
    assert OutboxMessage.objects.get(party=party).reason["error"] == "nhn-at.-2019"
    assert not Suppression.objects.exists()


def send_one(provider, channel: str):
    """One message to one party on this channel, sent once: (the party, the report)."""
    party = make_party(1, email=False, phone=True)
    if channel == "kakao":
        return party, kakao_campaign(provider, [party])[1]
    grant([party], "sms", "marketing")
    return party, send_sms_campaign(SHORT)[1]


def sends(provider) -> int:
    return sum(1 for method, path, _ in provider.requests if method == "POST")


EVERY_WAY = [("solapi", "sms"), ("solapi", "kakao"), ("nhn", "sms"), ("nhn", "kakao")]


@pytest.mark.parametrize("name,channel", EVERY_WAY)
def test_a_message_whose_answer_was_lost_is_found_not_sent_twice(
    db, provider, settings, name, channel
):
    """The provider took the message and the connection dropped before its answer came:
    the message waits, and before it goes again Patron looks it up at the provider by its
    own label, finds it, and records it as sent: one message on the phone."""
    settings.PATRON_SMS_PROVIDER = name
    provider.lose_answers = 1
    party, report = send_one(provider, channel)
    assert report.counts == {"retry_later": 1}
    row = OutboxMessage.objects.get(party=party)
    assert row.status == "queued" and row.reason["unsure"] is True
    OutboxMessage.objects.update(next_attempt_at=daytime())  # its retry time comes

    assert deliver_due(now=daytime()).counts == {f"sent_{channel}": 1}
    assert len(provider.received) == 1 and sends(provider) == 1  # looked up, not resent
    row.refresh_from_db()
    assert row.status == "sent" and row.provider_id and row.reason is None
    assert the_carriers_report(provider) == {"delivered": 1}  # its report is read by that id


@pytest.mark.parametrize("name,channel", EVERY_WAY)
def test_a_courier_killed_after_the_provider_took_a_message_sends_it_once(
    db, provider, settings, monkeypatch, name, channel
):
    from patron.outreach import delivery

    settings.PATRON_SMS_PROVIDER = name
    real_mark = delivery._mark_sent
    monkeypatch.setattr(delivery, "_mark_sent", lambda *a, **k: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        send_one(provider, channel)
    monkeypatch.setattr(delivery, "_mark_sent", real_mark)
    OutboxMessage.objects.update(claimed_by=dead_process())  # as the courier left it

    counts = deliver_due(now=daytime()).counts  # the next courier takes the message over
    assert counts == {f"sent_{channel}": 1}
    assert len(provider.received) == 1 and sends(provider) == 1
    assert OutboxMessage.objects.get().provider_id


def test_nhn_refuses_a_duplicate_try_and_the_message_waits_until_its_list_shows_it(
    db, provider, settings, monkeypatch
):
    """The message lists lag behind: the lookup finds nothing, the resend under the same
    idempotency key is refused (-1005), and the message waits instead of counting as sent
    under no id. Once the list shows it, it is recorded as sent, once."""
    from patron.outreach import delivery

    settings.PATRON_SMS_PROVIDER = "nhn"
    real_mark = delivery._mark_sent
    monkeypatch.setattr(delivery, "_mark_sent", lambda *a, **k: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        send_one(provider, "kakao")
    monkeypatch.setattr(delivery, "_mark_sent", real_mark)
    OutboxMessage.objects.update(claimed_by=dead_process())
    provider.nhn.listed = False

    assert deliver_due(now=daytime()).counts == {"retry_later": 1}
    row = OutboxMessage.objects.get()
    assert row.reason["error"] == "nhn-at.-1005" and row.reason["unsure"] is True
    keys = [h["x-nc-api-idempotency-key"] for m, _, h in provider.requests if m == "POST"]
    assert len(keys) == 2 and keys[0] == keys[1]

    provider.nhn.listed = True
    OutboxMessage.objects.update(next_attempt_at=daytime())
    assert deliver_due(now=daytime()).counts == {"sent_kakao": 1}
    assert len(provider.received) == 1 and sends(provider) == 2


def dead_process() -> str:
    """The claim a courier that has exited leaves behind."""
    import socket
    import subprocess

    finished = subprocess.Popen(["true"])
    finished.wait()
    return f"{socket.gethostname()[:60]}:{finished.pid}:1"


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


def test_nhn_is_reached_at_its_current_hosts():
    from patron import settings as patron_settings

    assert patron_settings.PATRON_NHN_SMS_URL == "https://sms.api.nhncloudservice.com"
    assert patron_settings.PATRON_NHN_ALIMTALK_URL == (
        "https://kakaotalk-bizmessage.api.nhncloudservice.com"
    )


def test_a_campaigns_test_text_goes_to_the_members_own_phone(db, provider, settings, owner):
    from django.test import Client

    from patron.accounts.services import do_change_profile

    settings.PATRON_SMS_PROVIDER = "solapi"
    do_change_profile(owner, email="", phone="+821099998888", language="")
    customer = make_party(1, email=False, phone=True)
    campaign = campaign_for({}, channel="sms", body=SHORT)
    client = Client()
    client.force_login(owner)
    client.post(
        f"/outreach/campaigns/{campaign.pk}/test/", {"party": customer.pk, "channel": "sms"}
    )
    [sent] = provider.received
    assert sent["to"] == "01099998888"  # the member's phone, not the customer's
    assert sent["text"].startswith("(광고)한옥찻집\n고객0001 님 봄 신상품")
    assert sent["text"].endswith("무료수신거부 080-123-4567")
    assert not OutboxMessage.objects.exists()  # a test is not a message to the party


def test_reports_wait_while_the_provider_is_away_and_stop_after_four_days(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "solapi"
    party, _ = send_one(provider, "sms")
    settings.PATRON_SMS_PROVIDER = ""  # the owner took the provider away
    provider.report()
    later = timezone.now() + dt.timedelta(hours=1)
    assert read_due_receipts(now=later) == {"report_pending": 1}
    row = OutboxMessage.objects.get(party=party)
    assert row.status == "sent" and row.next_attempt_at > later  # asked again later, not now
    assert read_due_receipts(now=timezone.now() + dt.timedelta(days=5)) == {"no_report": 1}
    row.refresh_from_db()
    assert row.status == "sent" and row.report == {"code": "delivery.no_report"}


def test_one_nhn_report_that_cannot_be_read_does_not_hold_the_others(db, provider, settings):
    settings.PATRON_SMS_PROVIDER = "nhn"
    parties = [make_party(i, email=False, phone=True) for i in (1, 2)]
    grant(parties, "sms", "marketing")
    send_sms_campaign(SHORT)
    lost = OutboxMessage.objects.get(party=parties[0]).provider_id.split(":")[1]
    del provider.nhn.sms[lost]  # NHN answers -2008 for it
    assert the_carriers_report(provider) == {"delivered": 1, "report_pending": 1}


def test_a_solapi_alimtalk_replaced_by_a_text_is_not_reported_failed():
    """Solapi does not document the final code of a replaced 알림톡: a Kakao reason beside
    replacement=true means the text went, its arrival unreported."""
    from patron.outreach.channels import FAILED, UNCONFIRMED
    from patron.outreach.channels.solapi import receipt

    replaced = receipt({"statusCode": "3104", "replacement": True, "type": "ATA"})
    assert (replaced.state, replaced.fallback) == (UNCONFIRMED, "SMS")
    not_replaced = receipt({"statusCode": "3104", "replacement": False, "type": "ATA"})
    assert not_replaced.state == FAILED
    carrier_failed = receipt({"statusCode": "3032", "replacement": True, "type": "SMS"})
    assert carrier_failed.state == FAILED  # the text itself failed


def test_a_paused_channel_says_why_in_the_owners_words_and_can_be_tried_now(
    db, provider, settings, owner
):
    from django.test import Client

    from patron.accounts.services import do_change_profile

    settings.PATRON_SMS_PROVIDER = "solapi"
    provider.solapi.balance = 0
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    send_sms_campaign(SHORT)
    client = Client()
    client.force_login(owner)
    page = client.get("/settings/").content.decode()
    assert "the provider account&#x27;s balance ran out (Solapi: 보유 잔액이 부족합니다.)" in page
    assert "Try again now" in page and "or at once when you fix it" in page

    provider.solapi.balance = 1_000
    answer = client.post("/settings/retry/sms/", follow=True).content.decode()
    assert "SMS is no longer paused" in answer
    assert deliver_due(now=daytime()).counts == {"sent_sms": 1}
    again = client.post("/settings/retry/sms/", follow=True).content.decode()
    assert "SMS was not paused." in again

    # A test to oneself with the provider out of reach says so, not a library's error.
    do_change_profile(owner, email="", phone="+821099998888", language="")
    settings.PATRON_SOLAPI_URL = "http://127.0.0.1:9"  # nothing listens there
    said = client.post("/settings/test/sms/", follow=True).content.decode()
    assert "Solapi could not be reached; try again in a while" in said
    assert "HTTPConnectionPool" not in said


def test_a_lookup_the_provider_refuses_leaves_the_message_waiting_not_failed(
    db, provider, settings, monkeypatch
):
    """Whether an earlier try was taken could not be asked: the message is not failed for
    it (nothing was said about the message), it waits and is asked about again."""
    from patron.outreach.channels import PermanentFailure
    from patron.outreach.channels.solapi import SolapiSender

    settings.PATRON_SMS_PROVIDER = "solapi"
    provider.lose_answers = 1
    party, _ = send_one(provider, "sms")
    OutboxMessage.objects.update(next_attempt_at=daytime())

    def refused(self, message):
        raise PermanentFailure("solapi.ValidationError", "startDate")

    monkeypatch.setattr(SolapiSender, "find_sent", refused)
    assert deliver_due(now=daytime()).counts == {"retry_later": 1}
    row = OutboxMessage.objects.get(party=party)
    assert row.status == "queued" and row.reason["unsure"] is True
    assert len(provider.received) == 1  # not sent again meanwhile
