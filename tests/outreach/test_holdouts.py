"""A promotion keeps a random holdout; its report compares those sent it with those kept
out, on purchases simulated with a known effect; the conversions after next best actions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from patron.commerce.models import Order
from patron.outreach.holdouts import campaign_lift, conversions_after_actions
from patron.outreach.models import OutboxMessage, OutboxStatus, Task, TaskStatus
from patron.outreach.planner import do_plan_campaign
from patron.outreach.services import do_launch_campaign
from patron.parties.activity import record_activity
from patron.parties.models import Consent

from .conftest import at_kst, campaign_for, grant, make_party

pytestmark = pytest.mark.django_db

DAY = at_kst(2026, 6, 1, 11)


def launched(parties, *, message_class="promotional", holdout=None):
    grant(parties, "email", "marketing")
    campaign = campaign_for({}, message_class=message_class)
    campaign.holdout_percent = holdout
    campaign.save()
    do_launch_campaign(campaign, now=DAY)
    do_plan_campaign(campaign, now=DAY)
    return campaign


def test_a_promotion_keeps_ten_percent_out_by_default_a_service_message_none(settings):
    settings.PATRON_PROMOTION_HOLDOUT = 10
    settings.PATRON_EMAIL_QUIET_HOURS = False
    parties = [make_party(i) for i in range(400)]
    promotion = launched(parties)
    held = OutboxMessage.objects.filter(campaign=promotion, reason__code="outreach.skip.holdout")
    assert 20 <= held.count() <= 60  # 10% of 400, drawn at random
    assert held.filter(status=OutboxStatus.SKIPPED).count() == held.count()
    service = launched(parties, message_class="service")
    assert not OutboxMessage.objects.filter(
        campaign=service, reason__code="outreach.skip.holdout"
    ).exists()
    # Planned again (a retry): the same people are kept out.
    before = set(held.values_list("party_id", flat=True))
    do_plan_campaign(promotion, now=DAY)
    assert set(held.values_list("party_id", flat=True)) == before


def test_the_report_finds_a_known_effect_in_its_interval(settings):
    settings.PATRON_EMAIL_QUIET_HOURS = False
    parties = [make_party(i) for i in range(600)]
    campaign = launched(parties, holdout=30)
    rows = OutboxMessage.objects.filter(campaign=campaign)
    sent_ids = list(rows.filter(status=OutboxStatus.QUEUED).values_list("party_id", flat=True))
    rows.filter(status=OutboxStatus.QUEUED).update(status=OutboxStatus.SENT, sent_at=DAY)
    held_ids = list(
        rows.filter(reason__code="outreach.skip.holdout").values_list("party_id", flat=True)
    )
    assert len(held_ids) > 100
    # Sending makes 40% buy within a week, against 10% who would anyway: a lift of 0.30.
    rng = np.random.default_rng(5)
    n = 0
    for ids, rate in ((sent_ids, 0.40), (held_ids, 0.10)):
        for party_id in ids:
            if rng.random() < rate:
                n += 1
                Order.objects.create(
                    source="cafe24",
                    external_id=f"H{n}",
                    party_id=party_id,
                    occurred_at=DAY + dt.timedelta(days=3),
                    currency="KRW",
                    amount=30_000,
                    row_digest="x",
                )
    Order.objects.create(  # after the week: not in the 7-day window
        source="cafe24",
        external_id="late",
        party_id=held_ids[0],
        occurred_at=DAY + dt.timedelta(days=20),
        currency="KRW",
        amount=999_000,
        row_digest="x",
    )
    Consent.objects.create(
        party_id=sent_ids[0],
        channel="email",
        purpose="marketing",
        granted=False,
        source="unsubscribe:link",
        recorded_at=DAY + dt.timedelta(days=1),
    )
    report = campaign_lift(campaign, now=DAY + dt.timedelta(days=8))
    assert report.percent == 30 and report.sent == len(sent_ids) and report.held == len(held_ids)
    assert [w.days for w in report.windows] == [7]  # 30 and 90 days have not passed
    week = report.windows[0]
    assert week.bought.low <= 0.30 <= week.bought.high and week.bought.verdict == "up"
    assert week.revenue.low <= 0.30 * 30_000 <= week.revenue.high
    assert week.unsubscribed_sent == 1 and week.unsubscribed_held == 0
    later = campaign_lift(campaign, now=DAY + dt.timedelta(days=100))
    assert [w.days for w in later.windows] == [7, 30, 90]
    assert later.windows[1].revenue.held > week.revenue.held  # the late order counts in 30


def test_no_holdout_no_report(settings):
    settings.PATRON_EMAIL_QUIET_HOURS = False
    campaign = launched([make_party(i) for i in range(5)], holdout=0)
    assert campaign_lift(campaign, now=DAY + dt.timedelta(days=100)) is None


def test_conversions_after_the_actions_people_did():
    invited, called = make_party(1), make_party(2)
    for i, (party, code) in enumerate(((invited, "nba.invite"), (called, "nba.call"))):
        Task.objects.create(
            party=party,
            action={"code": code},
            due=DAY.date(),
            status=TaskStatus.DONE,
            done_at=DAY,
            dedupe_key=f"nba:{i}",
        )
    record_activity(
        invited,
        "relationship.changed",
        data={"kind_from": "customer", "kind_to": "client"},
        at=DAY + dt.timedelta(days=12),
    )
    rows = {row.action: row for row in conversions_after_actions()}
    assert rows["nba.invite"].done == 1
    assert rows["nba.invite"].became_clients == {7: 0, 30: 1, 90: 1}
    assert rows["nba.call"].became_clients == {7: 0, 30: 0, 90: 0}


def test_the_campaign_page_says_what_it_caused_in_english_and_korean(client, owner, settings):
    from tests.web.test_korean import english_words

    settings.PATRON_EMAIL_QUIET_HOURS = False
    campaign = launched([make_party(i) for i in range(60)], holdout=50)
    OutboxMessage.objects.filter(campaign=campaign, status=OutboxStatus.QUEUED).update(
        status=OutboxStatus.SENT, sent_at=DAY - dt.timedelta(days=10)
    )
    OutboxMessage.objects.filter(campaign=campaign, reason__code="outreach.skip.holdout").update(
        created_at=DAY - dt.timedelta(days=10)
    )
    client.force_login(owner)
    page = client.get(f"/outreach/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert 'data-testid="lift-7"' in text and "What it caused" in text
    korean = client.get(f"/outreach/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="ko")
    section = korean.content.decode().split('data-testid="lift"', 1)[1].split("</section>", 1)[0]
    assert not english_words(section)
