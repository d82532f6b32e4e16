"""A Korean studio owner sets up text messages from the pages, in Korean: fills Business
settings (Solapi, sender number, 080 number, keys), tests an SMS to their own phone, previews
an advertisement whose SMS ends with the contact and the 080 line, launches it, and reads the
delivered counts the carrier reported. Solapi is the local server built from its documented
contract (tests/outreach/providers)."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.outreach.models import Campaign, OutboxMessage, Segment, Template
from patron.outreach.services import do_save_segment, do_save_template
from tests.outreach import providers
from tests.outreach.conftest import grant, make_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def solapi(settings):
    with providers.ProviderServer() as server:
        settings.PATRON_SOLAPI_URL = server.url  # where "Solapi" is, for this test only
        yield server


@pytest.fixture
def korean_page(browser, _plain_http_server, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ko-KR")
    opened = context.new_page()
    yield opened
    context.close()


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_korean_owner_sets_up_texts_tests_one_and_reads_what_was_delivered(
    korean_page, background_worker, solapi
):
    page = korean_page
    do_add_member("sajang", role=Role.OWNER, password="a-long-owner-password")
    customers = [make_party(i, email=False, phone=True) for i in (1, 2)]
    grant(customers, "sms", "marketing")
    grant(customers, "sms", "night")  # whatever the hour the test runs at
    template = do_save_template(
        Template(
            name="봄 햇차",
            message_class="promotional",
            subject="봄 햇차",
            body="{{ first_name }} 님, 봄 햇차",
        )
    )
    segment = do_save_segment(Segment(name="문자 동의", filters={"consent": ["marketing"]}))

    page.goto("/login/")
    page.fill("input[name=username]", "sajang")
    page.fill("input[name=password]", "a-long-owner-password")
    page.click("button.primary")
    page.wait_for_selector("h1:has-text('대시보드')")
    assert "문자 발송이 설정되지 않았습니다" in page.inner_text("main")

    # My profile: the phone tests go to.
    page.goto("/profile/")
    page.fill("input[name=phone]", "010-9999-8888")
    page.click("[data-testid=save-profile]")
    assert "내 정보를 저장했습니다" in page.inner_text("main")

    # Business settings, in Korean.
    page.goto("/settings/")
    page.fill("input[name=name]", "한옥찻집")
    page.fill("input[name=phone]", "02-123-4567")
    page.select_option("select[name=text_provider]", "solapi")
    page.fill("input[name=sms_sender]", "02-1234-5678")
    page.fill("input[name=optout_number]", "080-123-4567")
    page.fill("input[name=solapi_api_key]", providers.SOLAPI_KEY)
    page.fill("input[name=solapi_api_secret]", providers.SOLAPI_SECRET)
    page.click("[data-testid=save-business]")
    assert "사업장 설정을 저장했습니다" in page.inner_text("main")
    assert page.input_value("input[name=solapi_api_secret]") == ""  # never shown again
    assert "저장된 키가 있습니다" in page.inner_text("[data-key=solapi_api_secret]")
    assert "문자 발송이 설정되지 않았습니다" not in page.inner_text("main")

    # A test SMS to my own phone, through "Solapi".
    page.click("[data-testid=test-sms]")
    assert "발송 업체가" in page.inner_text("main")
    [test] = solapi.received
    assert test["to"] == "01099998888" and test["from"] == providers.SENDER
    assert "[한옥찻집]" in test["text"]

    # The advertisement's preview: the mark and the name first, the contact and 080 last.
    campaign = Campaign.objects.create(
        name="봄 햇차 문자", template=template, segment=segment, channel="sms"
    )
    page.goto(f"/outreach/campaigns/{campaign.pk}/")
    sms = page.inner_text("[data-variant=customer] pre.sms")
    assert sms.startswith("(광고)한옥찻집")
    assert sms.rstrip().endswith("문의 02-123-4567\n무료수신거부 080-123-4567")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("[data-testid=launch]")
    assert asked == ["고객 묶음 2명 중 2명에게 지금 이 캠페인이 갑니다. 진행할까요?"]

    wait_for(
        lambda: OutboxMessage.objects.filter(campaign=campaign, status="sent").count() == 2,
        "the worker did not send the campaign",
    )
    page.reload()
    assert "보냄 (문자)" in page.inner_text("[data-testid=report]")  # sent, not yet delivered

    # The carriers report; a minute later (made now) the worker asks Solapi and records it.
    solapi.report()
    OutboxMessage.objects.filter(campaign=campaign).update(next_attempt_at=timezone.now())
    wait_for(
        lambda: OutboxMessage.objects.filter(campaign=campaign, status="delivered").count() == 2,
        "the worker did not read the delivery reports",
    )
    page.reload()
    report = page.inner_text("[data-testid=report]")
    assert "수신 완료 (문자)" in report and "2" in report
