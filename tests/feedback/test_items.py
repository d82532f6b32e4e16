"""Feedback items: due in working hours, paused while waiting, escalated when late, closed
with what was done, reopened by an unhappy follow-up; and `patron feedback --overdue`."""

from __future__ import annotations

import json

import pytest

from patron.cli import main
from patron.feedback.items import (
    FeedbackRefused,
    do_close,
    do_log_call,
    do_open_item,
    do_reply,
    do_resume,
    do_wait_on_party,
    escalate_overdue,
    overdue_items,
)
from patron.feedback.models import FeedbackItem, ItemStatus, SurveyInvitation
from patron.feedback.surveys import do_answer_survey
from patron.outreach.models import MessageClass, OutboxMessage
from patron.parties.models import Activity, Relationship

from .conftest import at, make_party

pytestmark = pytest.mark.django_db


def test_a_member_logs_what_a_client_said_and_the_manager_owns_it(clock, owner, manager):
    party = make_party(1, kind="client")
    Relationship.objects.filter(party=party).update(owner=manager)
    party.refresh_from_db()
    # Wednesday 2026-12-23, 16:00; 12-25 is Christmas, a public holiday in Korea.
    clock.set(at(2026, 12, 23, 16))
    item = do_open_item(
        party, source="member", severity="high", text="앨범 색이 달라요", actor=owner
    )
    assert item.owner == manager
    # A client's high item: 9 working hours (one working day) to the first response:
    # 2 h on Wednesday, 7 h on Thursday.
    assert item.respond_due == at(2026, 12, 24, 16)
    # 27 working hours to resolve: 2 + 9 (Thu) + Christmas off + 9 (Mon 28) + 7 (Tue 29).
    assert item.resolve_due == at(2026, 12, 29, 16)
    with pytest.raises(FeedbackRefused):
        do_open_item(party, source="member", text="   ", actor=owner)


def test_without_a_manager_the_owner_owns_it(clock, owner):
    item = do_open_item(make_party(1), source="member", text="주차가 불편해요")
    assert item.owner == owner


def test_waiting_on_the_party_stops_the_clock(clock, owner):
    clock.set(at(2026, 12, 7, 10))  # Monday
    item = do_open_item(make_party(1), source="member", severity="high", text="환불 문의")
    assert item.respond_due == at(2026, 12, 9, 10)  # 18 working hours
    clock.set(at(2026, 12, 7, 14))
    item = do_wait_on_party(item, actor=owner)
    assert item.respond_due is None and item.status == ItemStatus.WAITING
    clock.set(at(2026, 12, 8, 14))  # a whole working day later they answer
    item = do_resume(item, actor=owner)
    assert item.respond_due == at(2026, 12, 10, 10)  # pushed by the 9 working hours paused
    with pytest.raises(FeedbackRefused):
        do_resume(item, actor=owner)


def test_an_overdue_item_escalates_to_the_owner_once(clock, owner, manager):
    party = make_party(1)
    Relationship.objects.filter(party=party).update(owner=manager)
    party.refresh_from_db()
    clock.set(at(2026, 12, 4, 17))  # Friday 17:00
    item = do_open_item(party, source="member", severity="high", text="연락이 없어요")
    clock.set(at(2026, 12, 8, 16))  # Tuesday 16:00: one working hour before it is due
    assert escalate_overdue() == 0
    clock.set(at(2026, 12, 9, 11))  # Wednesday 11:00: 3 working hours late
    assert list(overdue_items()) == [item]
    assert escalate_overdue() == 1
    assert escalate_overdue() == 0  # once
    item.refresh_from_db()
    assert item.escalated_to == owner
    entry = Activity.objects.get(party=party, verb="feedback.escalated")
    assert entry.data["hours_late"] == 3.0


def test_a_call_is_the_first_response_and_closing_needs_what_was_done(clock, manager):
    party = make_party(1)
    item = do_open_item(party, source="member", severity="high", text="불친절")
    clock.set(at(2026, 12, 7, 11))
    item = do_log_call(item, "사과드리고 재촬영 약속", actor=manager)
    assert item.responded_at == at(2026, 12, 7, 11) and item.respond_due is None
    with pytest.raises(FeedbackRefused):
        do_close(item, resolution="", cause="staff", actor=manager)
    with pytest.raises(FeedbackRefused):
        do_close(item, resolution="재촬영 완료", cause="", actor=manager)
    item = do_close(item, resolution="재촬영 완료", cause="staff", actor=manager)
    assert item.status == ItemStatus.CLOSED
    # The follow-up survey goes a day later, even inside the 30-day gap.
    follow_up = SurveyInvitation.objects.get(follow_up_of=item)
    assert follow_up.send_at == at(2026, 12, 8, 11)
    assert follow_up.status == "queued"


def test_an_unhappy_follow_up_reopens_the_item_and_a_happy_one_does_not(clock, manager):
    party = make_party(1)
    item = do_open_item(party, source="member", severity="high", text="늦은 배송")
    do_close(item, resolution="택배사 변경", cause="delivery", actor=manager)
    follow_up = SurveyInvitation.objects.get(follow_up_of=item)
    clock.set(at(2026, 12, 8, 12))
    do_answer_survey(follow_up, 1, "여전히 별로예요")  # CSAT 1
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.reopened == 1
    assert item.opened_at == at(2026, 12, 8, 12) and item.responded_at is None
    do_close(item, resolution="직접 배달", cause="delivery", actor=manager)
    second = SurveyInvitation.objects.get(follow_up_of=item, about__endswith=":1")
    clock.set(at(2026, 12, 9, 12))
    do_answer_survey(second, 5, "")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


def test_a_written_reply_goes_through_the_outbox_as_personal_never_at_night(clock, manager):
    party = make_party(1)
    item = do_open_item(party, source="member", text="문의")
    clock.set(at(2026, 12, 7, 22))  # 22:00 in Korea
    do_reply(item, "확인 후 연락드리겠습니다.", actor=manager)
    message = OutboxMessage.objects.get(party=party)
    assert message.message_class == MessageClass.PERSONAL
    assert message.next_attempt_at == at(2026, 12, 8, 8)


def test_the_cli_lists_overdue_items_as_json(clock, capsys, owner):
    party = make_party(1, name="김민지")
    clock.set(at(2026, 12, 4, 17))
    item = do_open_item(party, source="member", severity="high", text="연락 주세요")
    do_open_item(make_party(2), source="member", text="나중에")  # not late
    clock.set(at(2026, 12, 9, 11))
    assert main(["feedback", "--overdue", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "id": item.pk,
            "party": {"id": party.pk, "name": "김민지"},
            "owner": owner.get_username(),
            "severity": "high",
            "source": "member",
            "opened_at": at(2026, 12, 4, 17).isoformat(),
            "status": "open",
            "due": at(2026, 12, 8, 17).isoformat(),
            "due_for": "first_response",
            "working_hours_late": 3.0,
            "escalated_at": None,
        }
    ]
    assert FeedbackItem.objects.count() == 2


def test_a_reply_on_a_channel_that_is_not_one_is_refused(clock, manager):
    item = do_open_item(make_party(1), source="member", text="문의")
    for channel in ("kakao", "fax", "../"):
        with pytest.raises(FeedbackRefused):
            do_reply(item, "답장", actor=manager, channel=channel)
    assert not OutboxMessage.objects.exists()


def test_waiting_on_the_party_adds_no_lateness(clock, owner):
    clock.set(at(2026, 12, 4, 17))  # Friday; due Tuesday 17:00
    item = do_open_item(make_party(1), source="member", severity="high", text="연락 주세요")
    clock.set(at(2026, 12, 9, 11))  # 3 working hours late
    item = do_wait_on_party(item, actor=owner)
    from patron.feedback import dues

    clock.set(at(2026, 12, 14, 11))  # a week waiting: still 3 hours late, no more
    assert dues.hours_late(item, clock.now) == 3.0
    assert item not in overdue_items()


def test_the_same_reply_sent_twice_goes_once(clock, manager):
    item = do_open_item(make_party(1), source="member", text="문의")
    do_reply(item, "확인했습니다.", actor=manager)
    do_reply(item, "확인했습니다.", actor=manager)
    assert OutboxMessage.objects.count() == 1
    assert Activity.objects.filter(verb="feedback.replied").count() == 1
