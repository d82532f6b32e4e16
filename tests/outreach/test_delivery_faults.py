"""Delivery when things go wrong: the SMTP server down mid-batch, the courier killed with
SIGKILL, two planners racing for the same people."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from patron.core.business import business
from patron.outreach.channels.status import channel_states
from patron.outreach.delivery import deliver_due
from patron.outreach.models import OutboxMessage, OutboxStatus
from patron.outreach.planner import do_plan_campaign
from patron.outreach.services import do_launch_campaign
from tests.processes import python, start

from .conftest import SmtpServer, campaign_for, grant, make_party


def queue_campaign(count: int, purpose: str, **kwargs):
    parties = [make_party(i) for i in range(count)]
    grant(parties, "email", purpose)
    campaign = campaign_for({}, **kwargs)
    do_launch_campaign(campaign)
    do_plan_campaign(campaign, now=timezone.now())
    return parties, campaign


@pytest.mark.django_db(transaction=True)
def test_an_smtp_server_going_down_mid_batch_loses_nothing(smtp, settings):
    settings.PATRON_EMAIL_QUIET_HOURS = False  # this test is about the server, not the clock
    parties, campaign = queue_campaign(40, "surveys", message_class="survey")
    real_data = smtp.mailbox.handle_DATA

    async def goes_down_after_ten(server, session, envelope):
        if len(smtp.mailbox.messages) >= 10:
            return "421 4.3.2 Service shutting down"
        return await real_data(server, session, envelope)

    smtp.mailbox.handle_DATA = goes_down_after_ten
    first = deliver_due(limit=40)
    assert first.counts["sent_email"] == 10
    assert first.counts["retry_later"] == 30
    smtp.stop()  # and now it is gone altogether
    later = timezone.now() + dt.timedelta(hours=1)
    assert deliver_due(limit=40, now=later).counts["retry_later"] == 30
    waiting = OutboxMessage.objects.filter(campaign=campaign, status=OutboxStatus.QUEUED)
    assert waiting.count() == 30 and all(row.attempts == 2 for row in waiting)

    smtp.mailbox.handle_DATA = real_data
    smtp.start()
    much_later = timezone.now() + dt.timedelta(hours=13)
    assert deliver_due(limit=40, now=much_later).counts["sent_email"] == 30
    received = Counter(m["To"] for m in smtp.mailbox.messages)
    assert sorted(received) == sorted(p.email for p in parties)
    assert set(received.values()) == {1}


def test_backoff_doubles_with_jitter_and_gives_up_after_the_last_try(settings):
    from patron.outreach.delivery import backoff

    settings.PATRON_OUTBOX_RETRY_SECONDS = 60
    for attempts, base in ((1, 60), (2, 120), (3, 240), (10, 6 * 3600)):
        waits = {backoff(attempts).total_seconds() for _ in range(20)}
        assert all(base * 0.5 <= w <= base * 1.5 for w in waits)
        assert len(waits) > 1  # jittered: a failed queue does not retry in lockstep


@pytest.mark.django_db(transaction=True)
def test_two_planners_racing_keep_every_party_within_budget():
    # Customers may get 2 promotions a week; each already had one: of the two campaigns
    # planned at the same moment, exactly one reaches each party.
    parties = [make_party(i) for i in range(300)]
    grant(parties, "email", "marketing")
    moment = timezone.now()
    for party in parties:
        OutboxMessage.objects.create(
            party=party,
            dedupe_key=f"earlier:{party.pk}",
            channel="email",
            address=party.email,
            message_class="promotional",
            status=OutboxStatus.SENT,
            created_at=moment - dt.timedelta(days=1),
        )
    campaigns = [campaign_for({}) for _ in range(2)]
    for campaign in campaigns:
        do_launch_campaign(campaign)
    start_line = threading.Barrier(2)
    errors = []

    def plan(campaign):
        try:
            start_line.wait()
            do_plan_campaign(campaign, now=moment, batch=50)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=plan, args=(c,)) for c in campaigns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    queued = Counter(
        OutboxMessage.objects.filter(campaign__in=campaigns, status="queued").values_list(
            "party_id", flat=True
        )
    )
    assert len(queued) == 300 and set(queued.values()) == {1}
    assert OutboxMessage.objects.filter(campaign__in=campaigns, status="skipped").count() == 300


QUEUE = """
from django.utils import timezone
from patron.outreach.models import Campaign, Segment, Template
from patron.outreach.planner import do_plan_campaign
from patron.outreach.services import do_launch_campaign
from patron.parties.consent import Decision, do_record_decisions
from patron.parties.models import Party, Relationship
ids = []
for i in range({count}):
    party = Party.objects.create(display_name=f"p{{i}}", name_key=f"p{{i}}",
                                 email=f"p{{i:04d}}@example.com")
    Relationship.objects.create(party=party)
    ids.append(party.pk)
do_record_decisions(Decision(pk, "email", "service", True, "test", {{}}) for pk in ids)
template = Template.objects.create(name="t", message_class="service", subject="Your order",
                                   body="Hello {{{{ name }}}}")
campaign = Campaign.objects.create(name="c", template=template, channel="email",
                                   segment=Segment.objects.create(name="all"))
do_launch_campaign(campaign)
print(do_plan_campaign(campaign).as_dict())
"""


@pytest.mark.slow
@pytest.mark.processes
def test_a_courier_killed_mid_batch_resends_at_most_one_message(tmp_path, monkeypatch):
    count = 300
    server = SmtpServer()
    real_data = server.mailbox.handle_DATA

    async def slowly(server_, session, envelope):
        import asyncio

        await asyncio.sleep(0.01)
        return await real_data(server_, session, envelope)

    server.mailbox.handle_DATA = slowly
    server.start()
    try:
        for name, value in {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
            "EMAIL_USE_TLS": "false",
            "DEFAULT_FROM_EMAIL": "shop@example.com",
        }.items():
            monkeypatch.setenv(name, value)
        python(
            tmp_path,
            "from django.core.management import call_command\ncall_command('migrate', verbosity=0)",
        )
        assert "planned_email" in python(tmp_path, QUEUE.format(count=count))
        courier = start(tmp_path, "deliver")
        deadline = time.monotonic() + 60
        while len(server.mailbox.messages) < 80 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(courier.pid, signal.SIGKILL)
        courier.wait()
        kept = len(server.mailbox.messages)
        assert 0 < kept < count, "the kill must land mid-batch"
        again = start(tmp_path, "deliver", "--until-empty")
        assert again.wait(timeout=120) == 0
    finally:
        server.stop()
    received = Counter(m["To"] for m in server.mailbox.messages)
    assert len(received) == count  # nothing lost
    extra = sum(received.values()) - count
    assert extra <= 1  # at most the one message in flight when the courier died
    by_id = Counter(m["Message-ID"] for m in server.mailbox.messages)
    assert sum(by_id.values()) - len(by_id) == extra  # a duplicate carries the same Message-ID


@pytest.mark.django_db(transaction=True)
def test_a_message_taken_over_after_its_lease_is_not_sent_by_the_first_courier(smtp):
    from patron.outreach import delivery

    queue_campaign(1, "service", message_class="service")
    [row] = delivery.claim(10)
    # The lease ran out and another courier took the message over.
    OutboxMessage.objects.filter(pk=row.pk).update(claimed_by="elsewhere:1:1")
    report = delivery.DeliveryReport()
    biz = business()
    state = channel_states(biz)["email"]
    delivery._send_group(state, [row], report, biz, delivery._Clock(None))
    assert report.counts == {"cancelled": 1}
    assert smtp.mailbox.messages == []


def test_an_unexpected_error_leaves_the_message_waiting_not_stuck(db, smtp, monkeypatch):
    from patron.outreach import delivery

    queue_campaign(2, "service", message_class="service")

    def broken(*args, **kwargs):
        raise RuntimeError("an answer nobody expected")

    monkeypatch.setattr(delivery, "_mark_sent", broken)
    report = delivery.deliver_due(now=timezone.now())
    assert report.counts == {"retry_later": 2}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"queued"}
