"""The pages of "you said, we did", pilots, account plans and the manager's book."""

from __future__ import annotations

import pytest

from patron.feedback.items import do_open_item
from patron.feedback.models import Change, FeedbackItem, Goal, Pilot
from patron.outreach.models import OutboxMessage, Task
from patron.parties.models import Relationship

from .conftest import make_party, offering

pytestmark = pytest.mark.django_db


def test_an_owner_records_a_change_links_feedback_reads_and_tells(client, owner, clock):
    asked = make_party(1)
    item = do_open_item(asked, source="member", text="토요일에도 열어 주세요")
    do_open_item(make_party(2), source="member", text="주차 불편")
    client.force_login(owner)
    answer = client.post("/feedback/changes/", {"title": "토요일 20시까지 영업"})
    change = Change.objects.get()
    assert answer["Location"] == f"/feedback/changes/{change.pk}/"
    client.post(f"/feedback/changes/{change.pk}/", {"items": [item.pk], "title": change.title})
    page = client.get(f"/feedback/changes/{change.pk}/").content.decode()
    assert "토요일 20시까지 영업" in page and "1 person asked for it" in page
    client.post(f"/feedback/changes/{change.pk}/tell/", {})  # not confirmed: nothing sent
    assert not OutboxMessage.objects.exists()
    client.post(f"/feedback/changes/{change.pk}/tell/", {"read": "on"})
    assert list(OutboxMessage.objects.values_list("party_id", flat=True)) == [asked.pk]
    item.refresh_from_db()
    assert item.status == "closed"


def test_staff_cannot_tell_people_of_a_change(client, teammate, clock):
    item = do_open_item(make_party(1), source="member", text="요청")
    change = Change.objects.create(title="변경")
    change.items.add(item)
    client.force_login(teammate)
    assert client.post(f"/feedback/changes/{change.pk}/tell/", {"read": "on"}).status_code == 403
    assert not OutboxMessage.objects.exists()


def test_a_pilot_page_shows_readiness_and_the_offerings_page_too(client, owner, clock):
    pilot = Pilot.objects.create(offering=offering("무광 앨범"), title="무광 앨범 시범")
    client.force_login(owner)
    page = client.get(f"/pilots/{pilot.pk}/").content.decode()
    assert "Not ready yet" in page and "0 answers of 5 needed" in page
    assert "무광 앨범 시범" in client.get("/pilots/").content.decode()
    assert "Pilot" in client.get("/offerings/").content.decode()
    client.post(f"/pilots/{pilot.pk}/launch/", {})  # not ready: asks for a second word
    pilot.refresh_from_db()
    assert pilot.status == "draft"
    client.post(f"/pilots/{pilot.pk}/launch/", {"despite": "on"})
    pilot.refresh_from_db()
    assert pilot.status == "launched"


def test_a_manager_keeps_an_account_plan_and_prints_it(client, manager, clock):
    party = make_party(1, kind="client")
    client.force_login(manager)
    client.post(
        f"/parties/{party.pk}/plan/plan/", {"summary": "연 2회 촬영", "next_review": "2026-12-10"}
    )
    client.post(f"/parties/{party.pk}/plan/goal/", {"title": "재촬영 연 2회", "measure": "2회"})
    goal = Goal.objects.get()
    client.post(f"/parties/{party.pk}/plan/milestone/", {"goal": goal.pk, "title": "봄 예약"})
    client.post(f"/parties/{party.pk}/plan/goal_status/", {"goal": goal.pk, "status": "nonsense"})
    goal.refresh_from_db()
    assert goal.status == "open"
    printed = client.get(f"/parties/{party.pk}/plan/").content.decode()
    assert "재촬영 연 2회" in printed and "봄 예약" in printed and "연 2회 촬영" in printed
    assert "재촬영 연 2회" in client.get(f"/parties/{party.pk}/").content.decode()


def test_a_client_given_to_another_manager_reaches_them_with_the_history(
    client, owner, manager, clock
):
    party = make_party(1, kind="client")
    Relationship.objects.filter(party=party).update(owner=owner)
    do_open_item(party, source="member", text="앨범 문의")
    client.force_login(owner)
    client.post(f"/parties/{party.pk}/relationship/", {"kind": "client", "owner": manager.pk})
    task = Task.objects.get(assignee=manager)
    assert task.action["code"] == "task.new_client" and task.action["open_feedback"] == 1
    assert FeedbackItem.objects.get().owner == manager  # open feedback follows the client
    assert FeedbackItem.objects.get().party == party  # the history stays with the client
    client.force_login(manager)
    assert "A client given to you" in client.get("/today/").content.decode()
    book = client.get("/book/").content.decode()
    assert party.display_name in book


def test_reviews_show_on_the_managers_today(client, manager, clock):
    party = make_party(1, kind="client")
    Relationship.objects.filter(party=party).update(owner=manager)
    client.force_login(manager)
    client.post(f"/parties/{party.pk}/plan/plan/", {"summary": "", "next_review": "2026-12-09"})
    page = client.get("/today/").content.decode()
    assert "Account reviews" in page and party.display_name in page


def test_an_owner_sets_response_times_and_new_feedback_follows_them(client, owner, clock):
    client.force_login(owner)
    page = client.get("/feedback/response-times/").content.decode()
    assert 'name="client|high|respond"' in page
    bad = client.post("/feedback/response-times/", {"client|high|respond": "abc"})
    assert bad.status_code == 200 and "0.5" in bad.content.decode()
    from patron.feedback.dues import rules

    values = {
        f"{k}|{s}|{w}": v
        for (k, s), pair in rules().items()
        for w, v in zip(("respond", "resolve"), pair, strict=True)
    }
    values["*|high|respond"] = "4"
    client.post("/feedback/response-times/", values)
    item = do_open_item(make_party(1), source="member", severity="high", text="급해요")
    assert item.respond_hours == 4.0


def test_a_member_notes_what_a_party_said_about_an_incident(client, manager, clock):
    from django.utils import timezone

    from patron.outreach.models import Incident

    incident = Incident.objects.create(
        title="인화 색감 불량", starts_at=timezone.now(), ends_at=timezone.now()
    )
    party = make_party(1)
    client.force_login(manager)
    said = {"text": "사진이 붉게 나왔어요", "severity": "high", "incident": incident.pk}
    client.post(f"/parties/{party.pk}/feedback/", said)
    item = FeedbackItem.objects.get()
    assert (item.source, item.incident) == ("incident", incident)


def test_staff_cannot_answer_or_close_someone_elses_feedback(client, teammate, manager, clock):
    party = make_party(1)
    Relationship.objects.filter(party=party).update(owner=manager)
    party.refresh_from_db()
    item = do_open_item(party, source="member", text="불만")
    client.force_login(teammate)
    said = {"resolution": "닫음", "cause": "other"}
    assert client.post(f"/feedback/{item.pk}/close/", said).status_code == 403
    assert client.post(f"/feedback/{item.pk}/reply/", {"note": "안녕"}).status_code == 403
    item.refresh_from_db()
    assert item.status == "open" and not OutboxMessage.objects.exists()
    client.force_login(manager)
    client.post(f"/feedback/{item.pk}/close/", said)
    item.refresh_from_db()
    assert item.status == "closed"
