"""The loop the listening issue asks for, in Korean: a party answers a survey 3/10 on a phone,
the manager sees the item with its due time, it becomes overdue and is passed to the owner,
the manager calls and closes it, and the follow-up survey a day later is answered 9."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.feedback.items import escalate_overdue
from patron.feedback.models import FeedbackItem, SurveyInvitation
from patron.feedback.surveys import Ask, ask_party, general_survey, survey_url
from patron.parties.models import Activity, Relationship
from tests.outreach.conftest import make_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
PHONE = {"width": 390, "height": 844}


class Clock:
    """The server's clock (the live server runs in this process): time passes when told."""

    def __init__(self, monkeypatch, start: dt.datetime) -> None:
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)


def local_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_detractor_is_heard_called_back_and_asked_again(
    browser, _plain_http_server, live_server, monkeypatch, settings
):
    settings.PATRON_SENDER_NAME = "하늘사진관"
    clock = Clock(monkeypatch, dt.datetime(2026, 12, 7, 10, tzinfo=SEOUL))  # a Monday
    do_add_member("daepyo", role=Role.OWNER, password="a-long-owner-password")
    manager, _password = do_add_member(
        "mina", role=Role.MANAGER, password="a-long-manager-password"
    )
    party = make_party(1, name="김민지", phone=True)
    Relationship.objects.filter(party=party).update(owner=manager)
    ask_party(Ask(general_survey("nps"), party.pk, "nps:2026-12-07", clock.now))
    invitation = SurveyInvitation.objects.get(party=party)

    phone = browser.new_context(base_url=live_server.url, locale="ko-KR", viewport=PHONE)
    survey = phone.new_page()
    survey.goto(local_path(survey_url(invitation)))
    assert "하늘사진관을 친구나 동료에게 추천하실 가능성" in survey.inner_text("h1")
    # Every score fits the phone's width: no sideways scrolling to reach 10.
    assert survey.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    survey.click("label.score:has(input[value='3'])")
    survey.fill("textarea[name=comment]", "사진이 약속보다 일주일 늦게 왔어요")
    survey.click("button.primary")
    assert "답변이 저장되었습니다" in survey.inner_text("[data-testid=thanks]")

    desk = browser.new_context(base_url=live_server.url, locale="ko-KR")
    page = desk.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", "mina")
    page.fill("input[name=password]", "a-long-manager-password")
    page.click("button.primary")
    page.goto("/feedback/")
    row = page.inner_text("[data-testid=feedback-items] tbody tr")
    # A customer's detractor: two working days, Monday 10:00 to Wednesday 10:00.
    assert "김민지" in row and "사진이 약속보다" in row
    assert "2026년 12월 9일 (수) 오전 10:00" in row

    clock.now = dt.datetime(2026, 12, 10, 10, tzinfo=SEOUL)  # Thursday: 9 working hours late
    assert escalate_overdue() == 1  # what the worker does on its rounds
    page.goto("/feedback/?view=overdue")
    assert "근무시간 기준 9.0시간 지남" in page.inner_text("[data-testid=feedback-items]")
    page.goto("/today/")
    assert "김민지" in page.inner_text("[data-testid=feedback]")

    page.click("[data-testid=feedback] a:has-text('#')")
    page.fill(
        "[data-testid=call-form] textarea", "사과드리고 다음 촬영 보정을 무료로 해 드리기로 함"
    )
    page.click("[data-testid=call-form] button")
    page.fill("[data-testid=close-form] textarea", "배송 일정 안내를 문자로 먼저 드리기로 바꿈")
    page.select_option("[data-testid=close-form] select", "delivery")
    page.click("[data-testid=close-form] button")
    assert page.inner_text("[data-testid=status]") == "종결"
    item = FeedbackItem.objects.get(party=party)
    assert item.cause == "delivery" and item.escalated_to.get_username() == "daepyo"

    follow_up = SurveyInvitation.objects.get(follow_up_of=item)
    assert follow_up.send_at == dt.datetime(2026, 12, 11, 10, tzinfo=SEOUL)
    clock.now = dt.datetime(2026, 12, 11, 12, tzinfo=SEOUL)
    survey.goto(local_path(survey_url(follow_up)))
    assert "이제 괜찮으신가요" not in survey.inner_text("h1")  # the lead is in the message
    survey.click("label.score:has(input[value='9'])")
    survey.click("button.primary")
    assert "답변이 저장되었습니다" in survey.inner_text("[data-testid=thanks]")
    item.refresh_from_db()
    assert item.status == "closed"  # happy now: nothing reopens
    answers = Activity.objects.filter(party=party, verb="survey.answered")
    assert sorted(a.data["score"] for a in answers) == [3, 9]
    for context in (phone, desk):
        context.close()
