""" "You said, we did" reaches exactly those who asked; a pilot's readiness; account plans,
the manager's book and a client given to another manager."""

from __future__ import annotations

import datetime as dt

import pytest

from patron.feedback.changes import (
    ChangeRefused,
    do_announce_change,
    do_save_change,
    do_send_year_summaries,
    preview,
    year_summaries,
)
from patron.feedback.items import do_close, do_open_item
from patron.feedback.models import Change, FeedbackItem, Pilot, PilotStatus, SurveyInvitation
from patron.feedback.pilots import (
    PilotRefused,
    candidates,
    do_ask_panel,
    do_choose_panel,
    do_invite_panel,
    do_launch,
    do_report_problem,
    readiness,
)
from patron.feedback.plans import (
    book,
    do_add_goal,
    do_add_milestone,
    do_save_plan,
    do_set_milestone,
    reviews_due,
    tell_new_manager,
)
from patron.feedback.surveys import Ask, ask_party, do_answer_survey, general_survey
from patron.outreach.models import MessageClass, OutboxMessage, Task
from patron.parties.models import Activity, Relationship
from tests.outreach.conftest import grant

from .conftest import at, make_party, offering

pytestmark = pytest.mark.django_db


# -- you said, we did -----------------------------------------------------------------------


def asked_for(party, text: str) -> FeedbackItem:
    return do_open_item(party, source="member", text=text)


def test_a_change_tells_exactly_the_parties_who_asked_and_closes_their_items(clock, owner):
    first, second, bystander = make_party(1), make_party(2, phone=True), make_party(3)
    items = [asked_for(first, "토요일 저녁에도 열어 주세요"), asked_for(second, "주말 영업")]
    asked_for(bystander, "주차장이 좁아요")
    closed_before = asked_for(first, "토요일 영업 시간 문의")
    do_close(
        closed_before, resolution="안내함", cause="communication", actor=owner, follow_up=False
    )
    change = do_save_change(
        Change(
            title="토요일 20시까지 영업", description="12월부터 토요일에도 저녁 8시까지 엽니다."
        ),
        [item.pk for item in (*items, closed_before)],
        actor=owner,
    )
    shown = preview(change)
    assert [p.pk for p in shown.parties] == [first.pk, second.pk]  # each once
    assert shown.by_channel == {"email": 1, "sms": 1}
    assert "토요일 20시까지 영업" in shown.example[1]

    assert do_announce_change(change, actor=owner) == {"told_email": 1, "told_sms": 1}
    told = OutboxMessage.objects.filter(topic=f"change:{change.pk}")
    assert sorted(told.values_list("party_id", flat=True)) == [first.pk, second.pk]
    assert set(told.values_list("message_class", flat=True)) == {MessageClass.SERVICE}
    for item in items:
        item.refresh_from_db()
        assert (item.status, item.resolution, item.cause) == (
            "closed",
            "토요일 20시까지 영업",
            "request",
        )
        assert item.change == change
    assert not SurveyInvitation.objects.exists()  # telling them is the follow-up
    assert Activity.objects.filter(verb="change.told").count() == 2
    assert not Activity.objects.filter(party=bystander, verb="change.told").exists()
    with pytest.raises(ChangeRefused):
        do_announce_change(change, actor=owner)  # once
    assert told.count() == 2


def test_a_change_nobody_asked_for_tells_nobody(clock, owner):
    change = do_save_change(Change(title="새 인화지"), [], actor=owner)
    with pytest.raises(ChangeRefused) as refused:
        do_announce_change(change, actor=owner)
    assert refused.value.code == "change.nobody"


def test_a_client_hears_what_they_asked_for_in_the_year(clock, owner):
    client = make_party(1, kind="client")
    customer = make_party(2)
    done = [asked_for(client, f"요청 {n}") for n in range(3)]
    asked_for(client, "아직 못한 요청")
    asked_for(customer, "고객 요청")
    change = do_save_change(Change(title="무광 인화지 도입"), [i.pk for i in done], actor=owner)
    do_announce_change(change, actor=owner)
    (summary,) = year_summaries(2026)
    assert (summary.party, summary.asked, summary.done, summary.changes) == (
        client,
        4,
        3,
        ["무광 인화지 도입"],
    )
    assert do_send_year_summaries(2026, actor=owner) == {"told_email": 1}
    assert do_send_year_summaries(2026, actor=owner) == {"already_told": 1}
    body = OutboxMessage.objects.get(topic="year-summary:2026").content["body"]
    assert "4" in body and "3" in body and "무광 인화지 도입" in body


# -- pilots -----------------------------------------------------------------------------------


def satisfied_client(i: int, *, since: dt.date, score: int = 10, consent: bool = True):
    party = make_party(i, kind="client")
    Relationship.objects.filter(party=party).update(since=since)
    party.refresh_from_db()
    ask_party(Ask(general_survey("nps"), party.pk, f"nps:{i}", at(2026, 11, 1, 10)))
    do_answer_survey(SurveyInvitation.objects.get(party=party), score, "", now=at(2026, 11, 1, 12))
    if consent:
        grant([party], "email", "marketing")
    return party


def test_the_panel_is_consenting_satisfied_clients_of_long_tenure(clock):
    pilot = Pilot.objects.create(offering=offering("무광 앨범"), title="무광 앨범 시범")
    oldest = satisfied_client(1, since=dt.date(2015, 3, 1))
    newer = satisfied_client(2, since=dt.date(2022, 3, 1))
    satisfied_client(3, since=dt.date(2010, 3, 1), score=6)  # a detractor
    satisfied_client(4, since=dt.date(2011, 3, 1), consent=False)  # never agreed to offers
    customer = make_party(5)
    grant([customer], "email", "marketing")
    found = candidates(pilot)
    assert [c.party for c in found] == [oldest, newer]
    codes = [r["code"] for r in found[0].reasons]
    assert codes == ["pilot.reason.tenure", "pilot.reason.satisfied", "pilot.reason.consented"]
    assert found[0].reasons[0]["years"] == 11
    with pytest.raises(PilotRefused):
        do_choose_panel(pilot, [customer.pk], actor=None)


def test_a_pilots_readiness_and_launch(clock, owner):
    pilot = Pilot.objects.create(
        offering=offering("무광 앨범"), title="무광 앨범 시범", threshold=75, min_answers=3
    )
    panel = [satisfied_client(i, since=dt.date(2015 + i, 1, 1)) for i in range(1, 5)]
    do_choose_panel(pilot, [p.pk for p in panel], actor=owner)
    assert (
        do_invite_panel(
            pilot, subject="먼저 써 보세요", body="무광 앨범을 먼저 써 보세요", actor=owner
        )
        == 4
    )
    invites = OutboxMessage.objects.filter(topic=f"pilot:{pilot.pk}")
    assert set(invites.values_list("message_class", flat=True)) == {MessageClass.PROMOTIONAL}
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.RUNNING
    # Asked at once, although each answered a survey within 30 days: they agreed to pilot.
    assert do_ask_panel(pilot) == {"invited_email": 4}
    asked = SurveyInvitation.objects.filter(pilot=pilot).order_by("party_id")
    for invitation, score in zip(asked, (5, 4, 2), strict=False):
        do_answer_survey(invitation, score, "표지가 쉽게 긁혀요" if score == 2 else "")
    state = readiness(pilot)
    assert (state.answered, round(state.satisfied), state.problems_open) == (3, 67, 1)
    assert state.enough_answers and not state.satisfied_enough and not state.ready
    problem = do_report_problem(pilot, panel[3], "모서리가 들떠요", "high", actor=owner)
    assert readiness(pilot).problems_open == 2
    with pytest.raises(PilotRefused) as refused:
        do_launch(pilot, actor=owner)
    assert refused.value.params == {"count": 2}
    do_close(problem, resolution="접착 공정 변경", cause="product", actor=owner, follow_up=False)
    launched = do_launch(pilot, actor=owner, despite_open=True)
    assert (launched.status, launched.launched_with_open) == ("launched", 1)


# -- account plans ----------------------------------------------------------------------------


def test_a_plan_with_goals_milestones_and_a_review_on_the_managers_today(clock, manager):
    client = make_party(1, kind="client")
    Relationship.objects.filter(party=client).update(owner=manager)
    do_save_plan(
        client, summary="연 2회 가족 촬영", next_review=dt.date(2026, 12, 10), actor=manager
    )
    goal = do_add_goal(
        client,
        title="재촬영 연 2회",
        measure="촬영 2회",
        target_date=dt.date(2027, 6, 30),
        actor=manager,
    )
    milestone = do_add_milestone(goal, title="봄 촬영 예약", due=dt.date(2027, 3, 1), actor=manager)
    do_set_milestone(milestone, "done", actor=manager)
    assert [p.party for p in reviews_due(manager, dt.date(2026, 12, 7))] == [client]
    assert not list(reviews_due(manager, dt.date(2026, 11, 20)))  # weeks ahead: not yet
    verbs = list(Activity.objects.filter(party=client).values_list("verb", flat=True))
    assert {"plan.review_set", "plan.goal_added", "plan.milestone_done"} <= set(verbs)


def test_the_managers_book_and_a_client_given_to_another_manager(clock, manager, owner):
    mine = make_party(1, kind="client")
    other = make_party(2, kind="client")
    Relationship.objects.filter(party__in=[mine, other]).update(owner=manager)
    make_party(3)  # a customer: not in the book
    do_open_item(mine, source="member", text="앨범 문의")
    rows = {row.party.pk: row for row in book(manager)}
    assert set(rows) == {mine.pk, other.pk}
    assert rows[mine.pk].open_feedback == 1 and rows[other.pk].open_feedback == 0
    task = tell_new_manager(mine, previous=manager, manager=owner, actor=owner)
    assert task.assignee == owner and task.action["open_feedback"] == 1
    assert Task.objects.filter(assignee=owner).count() == 1
