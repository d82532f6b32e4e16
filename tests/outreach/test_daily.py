"""The daily planner, the Today page and next best actions."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from patron.cli import main
from patron.insight.models import PartyScore, ScoringRun
from patron.outreach.daily import do_plan_day, send_time
from patron.outreach.models import Cadence, OutboxMessage, Task, Template
from patron.outreach.services import do_save_template
from patron.parties.models import Activity, Consent

from .conftest import KST, grant, make_party

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def check_in(db):
    return Cadence.objects.create(name="Check in", rule="check_in", kind="client", days=90)


def dormant_client(manager, i=1):
    party = make_party(i, kind="client")
    party.created_at = timezone.now() - dt.timedelta(days=400)
    party.save(update_fields=["created_at"])
    party.relationship.owner = manager
    party.relationship.since = DAY - dt.timedelta(days=365)
    party.relationship.save()
    return party


def test_a_quiet_client_gets_a_check_in_task_for_their_manager_once(db, manager, check_in):
    party = dormant_client(manager)
    assert do_plan_day(DAY) == {"planned_tasks": 1}
    task = Task.objects.get()
    assert task.assignee == manager and task.party == party
    assert task.action == {"code": "task.check_in", "days": 90}
    assert do_plan_day(DAY) == {"skipped_already_planned": 1}
    assert do_plan_day(DAY + dt.timedelta(days=1)) == {"skipped_already_planned": 1}


def test_a_client_we_wrote_to_recently_needs_no_check_in(db, manager, check_in):
    party = dormant_client(manager)
    OutboxMessage.objects.create(
        party=party,
        dedupe_key="x",
        channel="email",
        address=party.email,
        message_class="newsletter",
        status="sent",
        sent_at=timezone.now(),
    )
    assert do_plan_day(timezone.localdate()) == {}


def test_done_and_snooze_on_the_today_page_write_the_timeline(db, manager, check_in):
    party = dormant_client(manager)
    do_plan_day(timezone.localdate())
    client = Client()
    client.force_login(manager)
    page = client.get("/today/").content.decode()
    assert party.display_name in page and "Check in" in page
    task = Task.objects.get()
    client.post(f"/tasks/{task.pk}/snooze/", {"days": "3"})
    assert party.display_name not in client.get("/today/").content.decode().split("Next best")[0]
    client.post(f"/tasks/{task.pk}/done/")
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == manager
    verbs = list(Activity.objects.filter(party=party).values_list("verb", flat=True))
    assert "task.snoozed" in verbs and "task.done" in verbs


def test_another_managers_task_cannot_be_closed(db, manager, teammate, check_in):
    dormant_client(manager)
    do_plan_day(timezone.localdate())
    client = Client()
    client.force_login(teammate)
    task = Task.objects.get()
    assert client.post(f"/tasks/{task.pk}/done/").status_code == 403
    task.refresh_from_db()
    assert task.status == "open"


def test_birthday_greetings_go_on_the_day_to_those_who_agreed(db):
    template = do_save_template(
        Template(
            name="생일",
            message_class="loyalty",
            subject="생일 축하드려요",
            body="{{ first_name }} 님, 생일 축하드립니다!",
        )
    )
    Cadence.objects.create(name="Birthday", rule="birthday", template=template, channel="email")
    born_today, other_day, said_no = make_party(1), make_party(2), make_party(3)
    for party, birthday in (
        (born_today, "1990-06-01"),
        (other_day, "1990-06-02"),
        (said_no, "1985-06-01"),
    ):
        party.birthday = dt.date.fromisoformat(birthday)
        party.save(update_fields=["birthday"])
    grant([born_today, other_day], "email", "marketing")
    grant([said_no], "email", "marketing", granted=False)
    assert do_plan_day(DAY) == {"planned_email": 1, "skipped_unsubscribed": 1}
    assert OutboxMessage.objects.get(status="queued").party == born_today
    assert do_plan_day(DAY) == {"skipped_already_planned": 2}


def two_years_ago(**filters) -> None:
    when = timezone.now() - dt.timedelta(days=731)
    Consent.objects.filter(**filters).update(recorded_at=when, decided_at=when)


def test_consent_is_reconfirmed_after_two_years_once_at_the_owners_hour(db):
    party = make_party(1)
    grant([party], "email", "newsletter")
    two_years_ago()
    today = timezone.localdate()
    # Planned early in the day (the worker's plan runs after midnight), whatever the clock.
    early = dt.datetime.combine(today, dt.time(6), tzinfo=KST)
    assert do_plan_day(today, now=early) == {"planned_reconfirmations": 1}
    notice = OutboxMessage.objects.get(topic=f"daily:{today.isoformat()}")
    assert notice.message_class == "service" and "/preferences/" in notice.content["body"]
    # Not sent at once: at the hour the owner set for automatic notices (10:00 by default).
    assert notice.next_attempt_at == dt.datetime.combine(today, dt.time(10), tzinfo=KST)
    assert do_plan_day(today) == {}  # once per two years
    fresh = make_party(2)
    grant([fresh], "email", "newsletter")
    assert do_plan_day(today) == {}


def test_notices_due_together_reach_a_person_as_one_message_per_channel(db):
    party = make_party(1, phone=True, locale="en")
    for purpose in ("newsletter", "surveys", "marketing"):
        grant([party], "sms", purpose)
    grant([party], "email", "newsletter")
    two_years_ago()
    today = timezone.localdate()
    assert do_plan_day(today) == {"planned_reconfirmations": 4}
    by_channel = dict(
        OutboxMessage.objects.filter(party=party).values_list("channel").annotate(n=Count("pk"))
    )
    assert by_channel == {"email": 1, "sms": 1}
    text = OutboxMessage.objects.get(party=party, channel="sms").content
    assert text["subject"] == "3 notices from 한옥찻집"
    assert text["body"].count("you agreed to receive") == 3
    assert text["kinds"] == ["reconfirmation"]


def test_an_owner_holds_the_days_notices_and_releases_them(db, owner):
    party = make_party(1)
    grant([party], "email", "newsletter")
    two_years_ago()
    today = timezone.localdate()
    do_plan_day(today)
    client = Client()
    client.force_login(owner)
    page = client.get("/today/").content.decode()
    assert "Automatic notices of the day" in page and "Email" in page
    client.post("/today/notices/hold/")
    assert OutboxMessage.objects.get().status == "held"
    client.post("/today/notices/release/")
    assert OutboxMessage.objects.get().status == "queued"


def test_patron_plan_prints_what_it_planned_and_skipped_as_json(db, manager, check_in):
    dormant_client(manager)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["plan", "--date", "2026-06-01", "--json"]) == 0
    first = json.loads(out.getvalue())
    assert first == {"planned_tasks": 1}
    out = io.StringIO()
    with redirect_stdout(out):
        main(["plan", "--date", "2026-06-01", "--json"])
    second = json.loads(out.getvalue())
    assert all(key.startswith(("planned_", "skipped_")) for key in second)
    assert not any(key.startswith("planned_") for key in second)


def test_a_slipping_client_gets_a_personal_call_not_a_discount(db, manager):
    party = dormant_client(manager)
    ScoringRun.objects.create(model="bgnbd", status="done")
    PartyScore.objects.create(
        party=party,
        frequency=5,
        recency=200 / 7,  # weeks, as the models read them: bought last 200 days ago
        age=400 / 7,
        monetary=50000,
        first_purchase=DAY - dt.timedelta(days=400),
        last_purchase=DAY - dt.timedelta(days=200),
        p_alive=0.3,
        expected_purchases_90d=0.2,
        expected_spend=50000,
        clv=300000,
        stage="at_risk",
    )
    client = Client()
    client.force_login(manager)
    page = client.get(f"/parties/{party.pk}/").content.decode()
    assert "Personal call from their account manager: a client quiet for 200 days" in page
    assert "Personal call" in client.get("/today/").content.decode()


def test_patron_plan_refuses_a_nonsense_date(db, capsys):
    assert main(["plan", "--date", "0001-01-01"]) == 2
    assert main(["plan", "--date", "tomorrow"]) == 2
    assert "2026-11-24" in capsys.readouterr().err


def test_a_plan_that_failed_is_tried_again_for_real_and_the_dashboard_says_so(
    db, owner, monkeypatch
):
    from django.db import OperationalError

    from patron import jobs
    from patron.outreach.models import PlanRun

    party = make_party(1)
    grant([party], "email", "newsletter")
    two_years_ago()
    morning = dt.datetime.combine(timezone.localdate(), dt.time(9, 30), tzinfo=KST)
    real_plan = jobs.do_plan_day

    def locked(day):
        raise OperationalError("database is locked")

    monkeypatch.setattr(jobs, "do_plan_day", locked)
    assert jobs.start_daily_plan(now=morning)
    run = PlanRun.objects.get()
    with pytest.raises(OperationalError):
        jobs.plan_day.call(run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    client = Client()
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert "did not finish" in page and "database is locked" in page

    finished = morning + dt.timedelta(minutes=1)  # when it failed, on the morning's clock
    PlanRun.objects.filter(pk=run.pk).update(finished_at=finished)
    assert not jobs.start_daily_plan(now=finished + dt.timedelta(minutes=1))  # it waits first
    monkeypatch.setattr(jobs, "do_plan_day", real_plan)
    assert jobs.start_daily_plan(now=finished + dt.timedelta(minutes=6))
    jobs.plan_day.call(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.counts == {"planned_reconfirmations": 1}
    assert "did not finish" not in client.get("/").content.decode()


def test_a_plan_that_runs_late_at_night_sends_its_notices_in_the_morning(db):
    """A day's plan retried at 23:00 (it failed in the morning): its notices wait for the
    end of the quiet hours (08:00 by default), not go out at night."""
    party = make_party(1)
    grant([party], "email", "newsletter")
    two_years_ago()
    day = timezone.localdate()
    late = dt.datetime.combine(day, dt.time(23), tzinfo=KST)
    assert do_plan_day(day, now=late) == {"planned_reconfirmations": 1}
    notice = OutboxMessage.objects.get(topic=f"daily:{day.isoformat()}")
    morning = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8), tzinfo=KST)
    assert notice.next_attempt_at == morning
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=KST)  # after the hour, by day: now
    assert send_time(day, noon) == noon
