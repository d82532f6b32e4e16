"""A campaign to 1,000 parties through a real SMTP server, every rule exercised at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from patron import jobs
from patron.outreach import links
from patron.outreach.delivery import deliver_due
from patron.outreach.models import (
    OutboxMessage,
    OutboxStatus,
    Suppression,
)
from patron.outreach.planner import do_plan_campaign
from patron.outreach.queries import campaign_report
from patron.parties.models import Consent, Party

from .conftest import at_kst, campaign_for, grant, make_party

PLANNED_AT = at_kst(2026, 11, 20, 21, 30)  # inside the night window
MORNING = at_kst(2026, 11, 21, 8, 0)


def deliver_all(now: dt.datetime) -> Counter:
    totals: Counter = Counter()
    while True:
        report = deliver_due(limit=50, now=now)
        if not report.handled:
            return totals
        totals.update(report.counts)


def build_thousand() -> list[Party]:
    """Party i's fate is set by i % 10 (see the test's expectations)."""
    parties = [make_party(i, email=i % 10 != 4, phone=i % 10 == 4) for i in range(1000)]
    by_rest = {r: [p for i, p in enumerate(parties) if i % 10 == r] for r in range(10)}
    grant([p for r in (2, 3, 5, 6, 7, 8, 9) for p in by_rest[r]], "email", "marketing")
    grant(by_rest[1], "email", "marketing", granted=False)  # said no
    grant(by_rest[5], "email", "night")  # agreed to advertising at night
    for party in by_rest[2]:
        Suppression.objects.create(channel="email", address=party.email, reason="bounced")
    for party in by_rest[3]:  # already two promotions this week
        for n in range(2):
            OutboxMessage.objects.create(
                party=party,
                dedupe_key=f"earlier:{n}:{party.pk}",
                channel="email",
                address=party.email,
                message_class="promotional",
                status=OutboxStatus.SENT,
                created_at=PLANNED_AT - dt.timedelta(days=n + 1),
            )
    return parties


@pytest.mark.django_db(transaction=True)
def test_a_campaign_to_a_thousand_keeps_every_rule(smtp):
    parties = build_thousand()
    campaign = campaign_for({"kind": ["customer"]})
    assert jobs.launch_campaign(campaign)
    campaign.refresh_from_db()
    planned = do_plan_campaign(campaign, now=PLANNED_AT).as_dict()
    assert planned == {
        "held_quiet_hours": 400,
        "planned_email": 100,
        "skipped_capped": 100,
        "skipped_no_consent": 100,
        "skipped_suppressed": 100,
        "skipped_unreachable": 100,
        "skipped_unsubscribed": 100,
    }

    # Ten addresses do not exist; one party with night consent unsubscribes while the batch
    # is being sent (by the one-click link of the first message that arrives).
    bouncing = {parties[i].email for i in range(7, 100, 10)}
    smtp.mailbox.refuse = bouncing
    late = parties[995]  # i % 10 == 5: due now, last in the queue
    client = Client()

    def unsubscribe_late(message):
        if len(smtp.mailbox.messages) == 1:
            url = links.unsubscribe_url(late.pk, "email", "marketing")
            client.post(url[len("https://crm.hanok.example") :], {"List-Unsubscribe": "One-Click"})
            connection.close()  # this thread's own connection

    smtp.mailbox.on_message = unsubscribe_late
    deliver_all(PLANNED_AT)
    smtp.mailbox.on_message = None
    after_night = campaign_report(campaign)
    assert after_night["sent_email"] == 99  # the 100 with night consent, less the late one
    assert after_night["skipped_unsubscribed"] == 101
    assert after_night["queued_email"] == 400  # held for the morning

    # One held party unsubscribes through the page before morning.
    held = parties[996]
    page = links.unsubscribe_url(held.pk, "email", "marketing")[len("https://crm.hanok.example") :]
    assert client.get(page).status_code == 200  # a scanner's GET changes nothing
    assert OutboxMessage.objects.get(campaign=campaign, party=held).status == "queued"
    assert client.post(page).status_code == 200

    morning = deliver_all(MORNING)
    assert morning["failed"] == 10

    final = campaign_report(campaign)
    assert final["sent_email"] == 99 + 400 - 1 - 10
    assert final["failed_email"] == 10
    assert final["skipped_unsubscribed"] == 100 + 2
    assert (
        set(Suppression.objects.filter(reason="bounced").values_list("address", flat=True))
        >= bouncing
    )

    # What arrived: one message per party, each framed as Korean law wants.
    campaign_mail = [m for m in smtp.mailbox.messages if m["Subject"].startswith("(광고)")]
    assert len(campaign_mail) == 488
    ids = [m["Message-ID"] for m in campaign_mail]
    assert len(set(ids)) == 488
    sample = campaign_mail[0]
    assert sample["Subject"] == "(광고) 봄 신상품 안내"
    assert sample["List-Unsubscribe"].strip().startswith("<https://crm.hanok.example/u/")
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = sample.get_body(("plain",)).get_content()
    assert "한옥찻집 · 02-123-4567" in text  # who sends it and how to reach them (§50④)
    assert text.rstrip().splitlines()[-1].startswith("수신을 원하지 않으시면")
    html = sample.get_body(("html",)).get_content()
    assert "<strong>봄 신상품</strong>" in html

    # The two who unsubscribed were told at once, and their "no" is on record with evidence.
    deliver_all(dt.datetime.now(dt.UTC))  # confirmations are due when they were written
    for party in (late, held):
        latest = Consent.objects.filter(party=party, purpose="marketing").latest("recorded_at")
        assert latest.granted is False and latest.source.startswith("unsubscribe:")
        told = OutboxMessage.objects.get(party=party, topic__startswith="consent:")
        assert told.status == "sent" and len(smtp.mailbox.to(party.email)) >= 1


def test_a_test_email_carries_a_message_id_of_its_own(db, smtp, owner):
    from django.test import Client

    owner.email = "owner@hanok.example"
    owner.save(update_fields=["email"])
    customer = make_party(1)
    campaign = campaign_for({})
    client = Client()
    client.force_login(owner)
    for _ in range(2):
        client.post(
            f"/outreach/campaigns/{campaign.pk}/test/", {"party": customer.pk, "channel": "email"}
        )
    first, second = smtp.mailbox.messages
    assert first["To"] == "owner@hanok.example"
    assert first["Subject"].startswith("[Test] (광고)")
    assert first["Message-ID"] and first["Message-ID"] != second["Message-ID"]
