"""The listening pages: a party answers a survey from its link on a phone-sized page; members
see the items, act on them, and change what is asked."""

from __future__ import annotations

import datetime as dt

import pytest

from patron.feedback.models import FeedbackItem, SurveyInvitation
from patron.feedback.surveys import do_plan_surveys, general_survey, invitation_token
from patron.parties.models import Activity

from .conftest import at, make_party, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(clock):
    party = make_party(1, name="김민지")
    served(party, at(2026, 12, 6, 15))
    do_plan_surveys(dt.date(2026, 12, 7))
    return SurveyInvitation.objects.get(party=party)


def test_the_survey_page_asks_in_the_party_language_and_keeps_one_answer(client, invitation):
    url = f"/s/{invitation_token(invitation)}/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "가족사진 촬영에 얼마나 만족하셨나요?" in text
    assert 'name="score" value="5"' in text and 'value="0"' not in text  # CSAT: 1-5
    # A GET changes nothing (mail scanners open links).
    assert SurveyInvitation.objects.get(pk=invitation.pk).answered_at is None
    answered = client.post(url, {"score": "2", "comment": "보정이 아쉬워요"})
    assert answered.status_code == 302
    again = client.get(answered["Location"]).content.decode()
    assert "답변이 저장되었습니다" in again or "Your answer is saved" in again
    assert 'value="2" required checked' in again
    item = FeedbackItem.objects.get(party=invitation.party)
    assert (item.score, item.text) == (2, "보정이 아쉬워요")


def test_a_bad_score_is_explained_and_nothing_is_kept(client, invitation):
    url = f"/s/{invitation_token(invitation)}/"
    for bad in ("", "9", "abc"):
        page = client.post(url, {"score": bad})
        assert page.status_code == 400
        assert "1" in page.content.decode() and "5" in page.content.decode()
    assert not SurveyInvitation.objects.get(pk=invitation.pk).answered_at


def test_a_tampered_link_opens_nothing(client, invitation):
    token = invitation_token(invitation)
    assert client.get(f"/s/{token[:-3]}abc/").status_code == 400
    assert client.post(f"/s/{token[:-3]}abc/", {"score": "5"}).status_code == 400
    assert not SurveyInvitation.objects.filter(answered_at__isnull=False).exists()


def test_members_see_the_item_log_a_call_and_close_it(client, owner, invitation):
    client.post(f"/s/{invitation_token(invitation)}/", {"score": "1", "comment": "늦었어요"})
    item = FeedbackItem.objects.get()
    client.force_login(owner)
    listing = client.get("/feedback/").content.decode()
    assert "김민지" in listing and "늦었어요" in listing
    assert "김민지" in client.get("/today/").content.decode()
    client.post(f"/feedback/{item.pk}/call/", {"note": "사과드렸습니다"})
    refused = client.post(f"/feedback/{item.pk}/close/", {"resolution": "", "cause": "delivery"})
    assert refused.status_code == 302
    item.refresh_from_db()
    assert item.responded_at is not None and item.status == "open"
    client.post(f"/feedback/{item.pk}/close/", {"resolution": "다시 보내드림", "cause": "delivery"})
    item.refresh_from_db()
    assert item.status == "closed" and item.cause == "delivery"
    detail = client.get(f"/feedback/{item.pk}/").content.decode()
    assert "사과드렸습니다" in detail
    verbs = set(Activity.objects.filter(party=item.party).values_list("verb", flat=True))
    assert {"feedback.opened", "feedback.called", "feedback.closed"} <= verbs


def test_a_member_writes_down_what_a_client_said(client, manager):
    party = make_party(5, kind="client")
    client.force_login(manager)
    answer = client.post(f"/parties/{party.pk}/feedback/", {"text": "", "severity": "high"})
    assert answer.status_code == 302 and not FeedbackItem.objects.exists()
    said = {"text": "토요일에도 열어 주세요", "severity": "normal"}
    client.post(f"/parties/{party.pk}/feedback/", said)
    assert FeedbackItem.objects.get().text == "토요일에도 열어 주세요"


def test_survey_words_offering_a_reward_are_refused_on_the_page(client, owner):
    client.force_login(owner)
    survey = general_survey("nps")
    page = client.post(
        "/surveys/nps/",
        {
            "question_en": survey.question_en,
            "question_ko": "답변하시면 쿠폰을 드려요! 추천하시겠어요?",
            "reason_en": survey.reason_en,
            "reason_ko": survey.reason_ko,
            "delay_hours": 24,
            "enabled": "on",
            "client": 90,
            "customer": 365,
            "other": 365,
            "gap_days": 30,
        },
    )
    assert page.status_code == 200 and "쿠폰" in page.content.decode()
    survey.refresh_from_db()
    assert "쿠폰" not in survey.question_ko


def test_the_results_page_counts_answers_and_response_rates(client, owner, invitation):
    client.post(f"/s/{invitation_token(invitation)}/", {"score": "5"})
    client.force_login(owner)
    page = client.get("/surveys/").content.decode()
    assert "<svg" in page
    assert "1 answers of 1 asked" in page or "1 of 1 answered" in page
