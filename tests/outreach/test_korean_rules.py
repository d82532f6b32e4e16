"""정보통신망법 §50 on a frozen Asia/Seoul clock: the "(광고)" form, the sender, the refusal,
the night window, the transaction exception expiring."""

from __future__ import annotations

import pytest

from patron.core.business import Business
from patron.outreach.delivery import compose, deliver_due
from patron.outreach.models import OutboxMessage
from patron.outreach.planner import do_plan_campaign
from patron.outreach.rules import basis_expired, in_quiet_hours, quiet_hours_end
from patron.outreach.services import CampaignRefused, do_launch_campaign

from .conftest import at_kst, campaign_for, grant, make_party


@pytest.fixture
def korean_business(settings):
    settings.PATRON_SENDER_NAME = "한옥찻집"
    settings.PATRON_SENDER_CONTACT = "02-123-4567"
    settings.PATRON_SMS_OPTOUT_NUMBER = "080-123-4567"
    settings.PATRON_SITE_URL = "https://crm.hanok.example"
    settings.PATRON_SMS_PROVIDER = "demo"  # texts printed, not sent: "demo", never "sent"


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (23, 30, True), (3, 0, True), (7, 59, True), (8, 0, False)],
)
def test_the_night_window_is_21_to_8_korean_time(hour, minute, quiet):
    assert in_quiet_hours(at_kst(2026, 6, 1, hour, minute), Business()) is quiet


def test_held_messages_go_out_at_eight_the_next_morning():
    biz = Business()  # the default quiet hours
    assert quiet_hours_end(at_kst(2026, 6, 1, 22, 15), biz) == at_kst(2026, 6, 2, 8, 0)
    assert quiet_hours_end(at_kst(2026, 6, 2, 6, 0), biz) == at_kst(2026, 6, 2, 8, 0)


def test_quiet_hours_the_owner_sets_are_the_ones_kept():
    biz = Business(quiet_hours=(20, 9))
    assert in_quiet_hours(at_kst(2026, 6, 1, 20, 30), biz)
    assert quiet_hours_end(at_kst(2026, 6, 1, 20, 30), biz) == at_kst(2026, 6, 2, 9, 0)


def plan_sms(parties, when, **kwargs):
    body = "{{ first_name }} 님, 봄 신상품 10% 할인"
    if kwargs.get("message_class") == "service":
        body = "{{ first_name }} 님, 주문하신 차가 오늘 발송되었습니다."
    campaign = campaign_for({}, channel="sms", body=body, **kwargs)
    do_launch_campaign(campaign, now=when)
    return campaign, do_plan_campaign(campaign, now=when).as_dict()


def test_an_advertising_sms_starts_with_the_mark_and_ends_with_the_080_refusal(db, korean_business):
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    plan_sms([party], at_kst(2026, 6, 1, 10, 0))
    row = OutboxMessage.objects.get(party=party)
    lines = compose(row, None).text.splitlines()
    # The mark and the business's name first; its contact, then the free 080 refusal last,
    # worded in Korean as NHN Cloud's ad-sms requires (-6003 otherwise).
    assert lines == [
        "(광고)한옥찻집",
        "고객0001 님, 봄 신상품 10% 할인",
        "문의 02-123-4567",
        "무료수신거부 080-123-4567",
    ]


def test_an_advertising_sms_for_an_english_reader_keeps_the_korean_refusal(db, korean_business):
    party = make_party(1, email=False, phone=True, locale="en")
    grant([party], "sms", "marketing")
    plan_sms([party], at_kst(2026, 6, 1, 10, 0))
    text = compose(OutboxMessage.objects.get(party=party), None).text
    assert text.splitlines()[-1] == "무료수신거부 080-123-4567"
    assert "http" not in text  # no link: a short ad stays an SMS


def test_a_service_sms_carries_no_advertising_mark(db, korean_business):
    party = make_party(1, email=False, phone=True)
    plan_sms([party], at_kst(2026, 6, 1, 10, 0), message_class="service")
    text = compose(OutboxMessage.objects.get(party=party), None).text
    assert not text.startswith("(광고)") and "080" not in text


def test_advertising_sms_at_night_waits_unless_night_consent(db, korean_business):
    day, night = make_party(1, email=False, phone=True), make_party(2, email=False, phone=True)
    grant([day, night], "sms", "marketing")
    grant([night], "sms", "night")
    _, counts = plan_sms([day, night], at_kst(2026, 6, 1, 21, 0))
    assert counts == {"held_quiet_hours": 1, "planned_sms": 1}
    held = OutboxMessage.objects.get(party=day)
    assert held.next_attempt_at == at_kst(2026, 6, 2, 8, 0)
    assert held.reason["code"] == "outreach.held.quiet_hours"
    assert deliver_due(now=at_kst(2026, 6, 1, 21, 1)).counts["demo_sms"] == 1
    assert deliver_due(now=at_kst(2026, 6, 2, 7, 59)).handled == 0
    assert deliver_due(now=at_kst(2026, 6, 2, 8, 0)).counts["demo_sms"] == 1


def test_a_service_notice_is_not_held_at_night(db, korean_business):
    party = make_party(1, email=False, phone=True)
    _, counts = plan_sms([party], at_kst(2026, 6, 1, 23, 0), message_class="service")
    assert counts == {"planned_sms": 1}


def test_transaction_exception_covers_six_months_then_expires(db, korean_business, settings):
    from patron.commerce.models import Offering, Order, OrderLine

    settings.PATRON_TRANSACTION_EXCEPTION = True
    tea = Offering.objects.create(name="녹차")
    party = make_party(1, email=False, phone=True)  # bought, never agreed to advertising
    order = Order.objects.create(
        source="test",
        external_id="1",
        party=party,
        occurred_at=at_kst(2026, 1, 10, 12),
        currency="KRW",
        amount=10000,
        row_digest="x",
    )
    OrderLine.objects.create(order=order, line_no=1, offering=tea, name="녹차", unit_price=10000)
    campaign = campaign_for({}, channel="sms", body="새 녹차가 들어왔습니다")
    campaign.advertises.add(tea)
    do_launch_campaign(campaign, now=at_kst(2026, 6, 1, 10))
    assert do_plan_campaign(campaign, now=at_kst(2026, 6, 1, 10)).as_dict() == {"planned_sms": 1}
    row = OutboxMessage.objects.get(party=party)
    assert row.basis == {
        "code": "basis.transaction",
        "purchased": "2026-01-10",
        "expires": "2026-07-10",  # six calendar months, not 183 days
    }
    assert not basis_expired(row.basis, at_kst(2026, 7, 10, 23, 59))  # the last day counts
    assert basis_expired(row.basis, at_kst(2026, 7, 11, 0, 0))
    # Still queued when the six months run out (a long outage): dropped, not sent.
    report = deliver_due(now=at_kst(2026, 7, 11, 9))
    assert report.counts == {"basis_expired": 1}
    row.refresh_from_db()
    assert row.status == "skipped"


def test_without_the_setting_a_purchase_is_no_consent(db, korean_business, settings):
    settings.PATRON_TRANSACTION_EXCEPTION = False
    party = make_party(1, email=False, phone=True)
    _, counts = plan_sms([party], at_kst(2026, 6, 1, 10, 0))
    assert counts == {"skipped_no_consent": 1}


def test_an_advertising_email_subject_starts_with_the_exact_mark(db, korean_business):
    party = make_party(1)
    grant([party], "email", "marketing")
    campaign = campaign_for({}, channel="email", subject="[광고] 봄 신상품")
    do_launch_campaign(campaign, now=at_kst(2026, 6, 1, 10))
    do_plan_campaign(campaign, now=at_kst(2026, 6, 1, 10))
    outgoing = compose(OutboxMessage.objects.get(party=party), None)
    assert outgoing.subject.startswith("(광고) ")
    assert "수신거부" in outgoing.text.splitlines()[-1]


def test_planning_twice_plans_nothing_twice(db, korean_business):
    parties = [make_party(i, email=False, phone=True) for i in range(5)]
    grant(parties, "sms", "marketing")
    campaign, first = plan_sms(parties, at_kst(2026, 6, 1, 10, 0))
    assert first == {"planned_sms": 5}
    again = do_plan_campaign(campaign, now=at_kst(2026, 6, 1, 10, 5)).as_dict()
    assert again == {"skipped_already_planned": 5}
    assert OutboxMessage.objects.filter(campaign=campaign).count() == 5


def test_the_weekly_promotion_budget_holds_across_campaigns(db, korean_business):
    party = make_party(1, email=False, phone=True)
    grant([party], "sms", "marketing")
    outcomes = [plan_sms([party], at_kst(2026, 6, day, 10, 0))[1] for day in (1, 2, 3, 9)]
    assert outcomes == [
        {"planned_sms": 1},
        {"planned_sms": 1},
        {"skipped_capped": 1},
        {"planned_sms": 1},  # a week later there is room again
    ]


def test_a_service_message_that_reads_like_an_offer_needs_the_senders_word(db, owner):
    campaign = campaign_for(
        {},
        channel="email",
        message_class="service",
        body="주문 감사합니다. 다음 주문 20% 할인 쿠폰!",
    )
    with pytest.raises(CampaignRefused) as refused:
        do_launch_campaign(campaign, actor=owner)
    assert refused.value.params == {"signs": "할인, 쿠폰, 20%"}
    campaign.refresh_from_db()
    assert campaign.status == "draft"
    assert do_launch_campaign(campaign, actor=owner, not_advertising=True)
    campaign.refresh_from_db()
    assert campaign.snapshot["not_advertising"]["by"] == owner.pk
    assert campaign.snapshot["not_advertising"]["signs"] == ["할인", "쿠폰", "20%"]


def test_a_plain_service_notice_launches_without_a_question(db, owner):
    campaign = campaign_for(
        {},
        channel="email",
        message_class="service",
        body="{{ first_name }} 님, 배송이 하루 늦어집니다.",
    )
    assert do_launch_campaign(campaign, actor=owner)
