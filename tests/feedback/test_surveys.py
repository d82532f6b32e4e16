"""Surveys: who is asked, when, on which channel, and what the answer starts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from patron.analytics.satisfaction import nps
from patron.feedback.items import FeedbackItem
from patron.feedback.models import InvitationStatus, ItemSource, Severity, SurveyInvitation
from patron.feedback.surveys import (
    Ask,
    LinkInvalid,
    SurveyRefused,
    ask_party,
    do_answer_survey,
    do_plan_surveys,
    do_save_survey,
    general_survey,
    invitation_token,
    read_invitation,
)
from patron.outreach.models import MessageClass, OutboxMessage
from patron.parties.models import Activity
from tests.outreach.conftest import grant

from .conftest import at, bought, make_party, offering, served

pytestmark = pytest.mark.django_db


def invited(party) -> list[SurveyInvitation]:
    return list(SurveyInvitation.objects.filter(party=party).order_by("pk"))


def test_a_csat_goes_a_day_after_the_service_as_a_service_message(clock):
    party = make_party(1)
    served(party, at(2026, 12, 6, 15))  # yesterday 15:00
    counts = do_plan_surveys(dt.date(2026, 12, 7))
    assert counts == {"invited_email": 1}
    (invitation,) = invited(party)
    assert invitation.kind == "csat" and invitation.subject == "가족사진 촬영"
    # 24 hours after it ended, never before the day's notice hour.
    assert invitation.send_at == at(2026, 12, 7, 15)
    message = OutboxMessage.objects.get(pk=invitation.message_id)
    assert message.message_class == MessageClass.SURVEY
    assert message.basis == {"code": "basis.survey_service"}  # no consent asked for
    assert message.next_attempt_at == at(2026, 12, 7, 15)
    assert "가족사진 촬영에 얼마나 만족하셨나요?" in message.content["body"]
    # The link in the message opens this invitation (its signature carries the second it
    # was made, so it is read back rather than made again).
    link = message.content["body"].split("/s/", 1)[1].split("/", 1)[0]
    assert read_invitation(link) == invitation


def test_a_party_who_said_no_to_surveys_is_not_asked(clock):
    party = make_party(1)
    grant([party], "email", "surveys", granted=False)
    served(party, at(2026, 12, 6, 15))
    assert do_plan_surveys(dt.date(2026, 12, 7)) == {"skipped_declined": 1}
    assert not OutboxMessage.objects.exists()


def test_old_history_is_never_surveyed(clock):
    """An import of last year's orders must not ask about each of them."""
    party = make_party(1)
    bought(party, at(2025, 6, 1, 12))
    served(party, at(2026, 11, 1, 12))
    assert do_plan_surveys(dt.date(2026, 12, 7)) == {}


def test_one_survey_per_person_in_thirty_days_across_channels(clock):
    party = make_party(1, phone=True)
    served(party, at(2026, 12, 6, 15))
    assert do_plan_surveys(dt.date(2026, 12, 7)) == {"invited_email": 1}
    grant([party], "email", "surveys", granted=False)  # only a text can reach them now
    # 29 days later another service: the email survey still counts against the text.
    clock.set(at(2027, 1, 5, 10))
    served(party, at(2027, 1, 4, 11), title="돌잔치 촬영")
    assert do_plan_surveys(dt.date(2027, 1, 5)) == {"skipped_recent": 1}
    # Past the 30 days, asked again, by text.
    clock.set(at(2027, 1, 8, 10))
    served(party, at(2027, 1, 7, 11), title="가족사진 재촬영")
    assert do_plan_surveys(dt.date(2027, 1, 8)) == {"invited_sms": 1}
    assert [i.status for i in invited(party)] == ["queued", "skipped", "queued"]


def test_no_survey_while_a_complaint_is_open(clock):
    party = make_party(1)
    FeedbackItem.objects.create(
        party=party,
        source=ItemSource.MEMBER,
        severity=Severity.HIGH,
        respond_hours=9,
        resolve_hours=27,
    )
    served(party, at(2026, 12, 6, 15))
    assert do_plan_surveys(dt.date(2026, 12, 7)) == {"skipped_open_complaint": 1}


def test_planning_a_day_twice_asks_nobody_twice(clock):
    party = make_party(1)
    bought(party, at(2026, 12, 6, 11))
    do_plan_surveys(dt.date(2026, 12, 7))
    assert do_plan_surveys(dt.date(2026, 12, 7)) == {"already_asked": 1}
    assert OutboxMessage.objects.count() == 1


def test_an_offering_has_its_own_words_and_delay(clock):
    portrait = offering("프로필 촬영")
    own = general_survey("csat")
    own.pk, own.offering, own.delay_hours = None, portrait, 48
    own.question_ko = "프로필 사진은 마음에 드셨나요?"
    do_save_survey(own)
    party = make_party(1)
    served(party, at(2026, 12, 6, 15), offering=portrait)  # its survey waits 48 h
    assert do_plan_surveys(dt.date(2026, 12, 7)) == {}
    clock.set(at(2026, 12, 8, 10))
    assert do_plan_surveys(dt.date(2026, 12, 8)) == {"invited_email": 1}
    (invitation,) = invited(party)
    assert invitation.send_at == at(2026, 12, 8, 15)
    assert "프로필 사진은 마음에 드셨나요?" in invitation.message.content["body"]


def test_a_reward_for_answering_is_refused_as_advertising():
    survey = general_survey("nps")
    survey.question_ko = "설문에 답하시면 적립금 1,000원을 드립니다. 추천하시겠어요?"
    with pytest.raises(SurveyRefused) as refused:
        do_save_survey(survey)
    assert refused.value.code == "survey.reward_is_advertising"
    assert "적립금" in refused.value.params["signs"]


def test_nps_spreads_a_kind_over_its_period(clock):
    parties = [make_party(i) for i in range(1, 13)]
    for party in parties:
        bought(party, at(2026, 3, 1, 12))
    survey = general_survey("nps")
    survey.every_days = {"*": 4}
    survey.save()
    asked = []
    for offset in range(4):
        day = dt.date(2026, 12, 7) + dt.timedelta(days=offset)
        clock.set(at(day.year, day.month, day.day, 10))
        asked.append(do_plan_surveys(day).get("invited_email", 0))
    assert asked == [3, 3, 3, 3]  # every party once in 4 days, a quarter a day


def test_a_link_answers_once_and_changes_within_a_day(clock):
    party = make_party(1)
    served(party, at(2026, 12, 6, 15))
    do_plan_surveys(dt.date(2026, 12, 7))
    (invitation,) = invited(party)
    clock.set(at(2026, 12, 7, 16))
    do_answer_survey(invitation, 4, "친절했어요")
    do_answer_survey(invitation, 4, "친절했어요")  # a replay changes nothing
    assert Activity.objects.filter(party=party, verb="survey.answered").count() == 1
    clock.set(at(2026, 12, 8, 15))
    do_answer_survey(invitation, 5, "")
    invitation.refresh_from_db()
    assert (invitation.score, invitation.answered_at) == (5, at(2026, 12, 7, 16))
    clock.set(at(2026, 12, 8, 16, 1))
    with pytest.raises(SurveyRefused) as refused:
        do_answer_survey(invitation, 1, "")
    assert refused.value.code == "survey.closed_for_changes"


def test_a_link_expires_unanswered(clock):
    party = make_party(1)
    served(party, at(2026, 12, 6, 15))
    do_plan_surveys(dt.date(2026, 12, 7))
    (invitation,) = invited(party)
    clock.set(invitation.expires_at + dt.timedelta(seconds=1))
    with pytest.raises(SurveyRefused) as refused:
        do_answer_survey(invitation, 4, "")
    assert refused.value.code == "survey.expired"


def test_a_tampered_or_foreign_link_opens_nothing(clock):
    first, second = make_party(1), make_party(2)
    for party in (first, second):
        served(party, at(2026, 12, 6, 15))
    do_plan_surveys(dt.date(2026, 12, 7))
    one, other = SurveyInvitation.objects.order_by("pk")
    token = invitation_token(one)
    assert read_invitation(token) == one
    # Another invitation's id in the payload, this one's signature kept.
    _payload, _, signature = token.partition(":")
    other_payload = signing.b64_encode(f"[{other.pk},{one.nonce!r}]".replace("'", '"').encode())
    forged = f"{other_payload.decode()}:{signature}"
    assert forged != token
    for bad in (forged, token[:-2] + "xx", "abc", token[: len(token) // 2]):
        with pytest.raises(LinkInvalid):
            read_invitation(bad)
    # The same id with another installation's nonce (a database restored elsewhere).
    other.nonce = "another"
    other.save()
    with pytest.raises(LinkInvalid):
        read_invitation(signing.dumps([other.pk, "guess"], salt="patron.feedback.survey"))


def test_scores_outside_the_scale_are_refused(clock):
    party = make_party(1)
    bought(party, at(2026, 12, 6, 11))
    do_plan_surveys(dt.date(2026, 12, 7))
    (invitation,) = invited(party)
    for score in (0, 6, -1):
        with pytest.raises(SurveyRefused):
            do_answer_survey(invitation, score, "")
    assert SurveyInvitation.objects.get(pk=invitation.pk).status == InvitationStatus.QUEUED


def test_a_detractor_opens_an_item_due_in_working_hours(clock):
    party = make_party(1)
    survey = general_survey("nps")
    # Friday 2026-12-04 17:00: two working days later is Tuesday 17:00.
    clock.set(at(2026, 12, 4, 17))
    ask_party(Ask(survey, party.pk, "nps:test", clock.now))
    invitation = SurveyInvitation.objects.get(party=party)
    do_answer_survey(invitation, 3, "사진이 늦게 왔어요")
    item = FeedbackItem.objects.get(party=party)
    assert (item.source, item.severity, item.score) == ("survey", "high", 3)
    assert item.text == "사진이 늦게 왔어요"
    assert item.respond_due == at(2026, 12, 8, 17)


def test_nps_counts_passives_in_the_denominator():
    # The published definition (Reichheld 2003): % promoters minus % detractors, of all.
    result = nps([10, 9, 8, 7, 3])
    assert result.score == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("하루 사진관을(를) 추천", "하루 사진관을 추천"),  # a final consonant
        ("한옥 카페을(를) 추천", "한옥 카페를 추천"),  # a vowel
        ("서울(으)로", "서울로"),  # ㄹ takes 로
        ("스튜디오 K을(를)", "스튜디오 K을(를)"),  # after a Latin letter: left as written
    ],
)
def test_korean_particles_follow_the_name_filled_in(written, read):
    from patron.core.formats import korean_particles

    assert korean_particles(written) == read


def test_a_kind_set_to_never_is_not_asked_as_everyone_else(clock):
    client_party, customer = make_party(1, kind="client"), make_party(2)
    for party in (client_party, customer):
        bought(party, at(2026, 3, 1, 12))
    survey = general_survey("nps")
    survey.every_days = {"client": 0, "*": 1}
    survey.save()
    do_plan_surveys(dt.date(2026, 12, 7))
    assert [i.party for i in SurveyInvitation.objects.filter(kind="nps")] == [customer]


def test_nps_waits_out_the_gap_and_is_asked_when_it_clears(clock):
    party = make_party(1)
    survey = general_survey("nps")
    survey.every_days = {"*": 60}
    survey.save()
    turn = next(
        dt.date(2026, 12, 7) + dt.timedelta(days=n)
        for n in range(60)
        if (dt.date(2026, 12, 7) + dt.timedelta(days=n)).toordinal() % 60 == party.pk % 60
    )
    served(party, at(turn.year, turn.month, turn.day, 9) - dt.timedelta(days=1))
    clock.set(at(turn.year, turn.month, turn.day, 8))
    # Its turn: the CSAT about yesterday goes; the NPS waits (one survey in 30 days).
    assert do_plan_surveys(turn) == {"invited_email": 1, "skipped_recent": 1}
    later = turn + dt.timedelta(days=10)
    clock.set(at(later.year, later.month, later.day, 8))
    assert do_plan_surveys(later) == {"still_waiting": 1}  # nothing more recorded
    cleared = turn + dt.timedelta(days=31)
    clock.set(at(cleared.year, cleared.month, cleared.day, 8))
    assert do_plan_surveys(cleared) == {"invited_email": 1}
    kinds = list(SurveyInvitation.objects.order_by("pk").values_list("kind", "status"))
    assert kinds == [("csat", "queued"), ("nps", "skipped"), ("nps", "queued")]


def test_a_changed_answer_changes_its_item(clock):
    party = make_party(1)
    survey = general_survey("nps")
    ask_party(Ask(survey, party.pk, "nps:one", clock.now))
    invitation = SurveyInvitation.objects.get(party=party)
    do_answer_survey(invitation, 7, "주차가 불편해요")
    item = FeedbackItem.objects.get()
    assert (item.severity, item.source) == ("normal", "comment")
    do_answer_survey(invitation, 0, "주차가 불편해요")  # thought better of it: a detractor
    item.refresh_from_db()
    assert (item.severity, item.source, item.respond_hours) == ("high", "survey", 18.0)
    do_answer_survey(invitation, 10, "")  # and then happy after all
    item.refresh_from_db()
    assert item.status == "closed"
    assert FeedbackItem.objects.count() == 1


def test_an_old_link_answered_after_a_merge_lands_on_the_party_it_became(clock, owner):
    from patron.parties.merge import do_merge_parties

    kept, merged = make_party(1), make_party(2)
    ask_party(Ask(general_survey("nps"), merged.pk, "nps:one", clock.now))
    invitation = SurveyInvitation.objects.get(party=merged)
    do_merge_parties(kept, merged, actor=owner)
    do_answer_survey(invitation, 2, "늦었어요")
    assert FeedbackItem.objects.get().party == kept
    assert Activity.objects.filter(party=kept, verb="survey.answered").exists()


def test_follow_ups_and_pilots_do_not_count_in_the_results(clock, owner):
    from patron.feedback import results
    from patron.feedback.items import do_close, do_open_item

    party = make_party(1)
    ask_party(Ask(general_survey("nps"), party.pk, "nps:one", clock.now))
    do_answer_survey(SurveyInvitation.objects.get(party=party), 10, "")
    item = do_open_item(make_party(2), source="member", text="불만")
    do_close(item, resolution="해결", cause="other", actor=owner)
    follow_up = SurveyInvitation.objects.get(follow_up_of=item)
    clock.set(follow_up.send_at + dt.timedelta(hours=1))
    do_answer_survey(follow_up, 1, "")
    nps_row = results.overall("nps")
    assert (nps_row.asked, nps_row.answered, nps_row.score) == (1, 1, 100.0)
    assert results.overall("csat").asked == 0
