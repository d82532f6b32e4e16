"""After launch, an owner pauses, resumes, cancels and archives a campaign from its page;
what went stays in the report, what did not go waits or is marked cancelled."""

from __future__ import annotations

import pytest
from django.test import Client

from patron.outreach.delivery import deliver_due
from patron.outreach.models import Campaign, OutboxMessage
from patron.outreach.planner import do_plan_campaign
from patron.outreach.services import do_launch_campaign

from .conftest import at_kst, campaign_for, grant, make_party

DAY = at_kst(2026, 6, 1, 11)


@pytest.fixture
def sending(db, smtp, settings):
    settings.PATRON_EMAIL_QUIET_HOURS = False
    parties = [make_party(i) for i in range(4)]
    grant(parties, "email", "marketing")
    campaign = campaign_for({})
    do_launch_campaign(campaign, now=DAY)
    do_plan_campaign(campaign, now=DAY)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    deliver_due(limit=1, now=DAY)  # one went before the owner changed their mind
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def statuses(campaign) -> list[str]:
    rows = OutboxMessage.objects.filter(campaign=campaign).order_by("pk")
    return list(rows.values_list("status", flat=True))


def test_pausing_holds_what_has_not_gone_and_resuming_sends_it(sending, owner_client, smtp):
    owner_client.post(f"/outreach/campaigns/{sending.pk}/pause/")
    sending.refresh_from_db()
    assert sending.status == "paused"
    assert statuses(sending) == ["sent", "held", "held", "held"]
    assert deliver_due(now=DAY).handled == 0  # nothing goes while paused
    page = owner_client.get(f"/outreach/campaigns/{sending.pk}/").content.decode()
    assert "3 messages are held until it is resumed" in page
    owner_client.post(f"/outreach/campaigns/{sending.pk}/resume/")
    sending.refresh_from_db()
    assert sending.status == "sending"
    deliver_due(now=DAY)
    assert statuses(sending) == ["sent"] * 4
    assert len(smtp.mailbox.messages) == 4


def test_a_message_in_flight_when_paused_is_looked_up_before_it_goes_again(sending, owner_client):
    """Paused while a courier was sending it: whether the provider took it is not known, so
    on resuming it is asked of the provider first (delivery._taken_before)."""
    rows = OutboxMessage.objects.filter(campaign=sending, status="queued").order_by("pk")
    in_flight = rows[0]
    OutboxMessage.objects.filter(pk=in_flight.pk).update(status="sending", claimed_by="x:1:1")
    owner_client.post(f"/outreach/campaigns/{sending.pk}/pause/")
    held = OutboxMessage.objects.filter(campaign=sending, status="held").order_by("pk")
    assert [row.reason.get("unsure", False) for row in held] == [True, False, False]
    owner_client.post(f"/outreach/campaigns/{sending.pk}/resume/")
    queued = OutboxMessage.objects.filter(campaign=sending, status="queued").order_by("pk")
    assert [bool((row.reason or {}).get("unsure")) for row in queued] == [True, False, False]


def test_cancelling_sends_nothing_more_and_keeps_what_went(sending, owner_client):
    owner_client.post(f"/outreach/campaigns/{sending.pk}/cancel/")
    sending.refresh_from_db()
    assert sending.status == "cancelled"
    assert statuses(sending) == ["sent", "skipped", "skipped", "skipped"]
    assert sending.totals == {"sent_email": 1, "skipped_cancelled": 3}
    assert deliver_due(now=DAY).handled == 0


def test_an_archived_campaign_leaves_the_list_and_keeps_its_report(sending, owner_client):
    answer = owner_client.post(f"/outreach/campaigns/{sending.pk}/archive/", follow=True)
    assert "Pause or cancel the campaign before archiving it" in answer.content.decode()
    owner_client.post(f"/outreach/campaigns/{sending.pk}/cancel/")
    owner_client.post(f"/outreach/campaigns/{sending.pk}/archive/")
    assert "Spring" not in owner_client.get("/outreach/").content.decode()
    assert "Spring" in owner_client.get("/outreach/?archived=1").content.decode()
    page = owner_client.get(f"/outreach/campaigns/{sending.pk}/").content.decode()
    assert "Archived on" in page


def test_a_draft_can_be_changed_and_a_launched_campaign_cannot(db, owner_client):
    campaign = campaign_for({})
    form = {
        "name": "Spring, again",
        "template": campaign.template.pk,
        "segment": campaign.segment.pk,
        "channel": "email",
    }
    owner_client.post(f"/outreach/campaigns/{campaign.pk}/edit/", form)
    campaign.refresh_from_db()
    assert campaign.name == "Spring, again"
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    answer = owner_client.post(f"/outreach/campaigns/{campaign.pk}/edit/", {**form, "name": "X"})
    assert answer.status_code == 404
    campaign.refresh_from_db()
    assert campaign.name == "Spring, again"


def test_staff_cannot_pause_or_cancel(sending, db):
    from tests.conftest import add_member

    staff = add_member("staffer", "staff", "a-long-staff-password")
    client = Client()
    client.force_login(staff)
    assert client.post(f"/outreach/campaigns/{sending.pk}/cancel/").status_code == 403
    sending.refresh_from_db()
    assert sending.status == "sending"


def test_who_paused_cancelled_or_archived_a_campaign_is_logged(sending, owner_client, owner):
    from django.contrib.admin.models import LogEntry

    owner_client.post(f"/outreach/campaigns/{sending.pk}/pause/")
    owner_client.post(f"/outreach/campaigns/{sending.pk}/cancel/")
    owner_client.post(f"/outreach/campaigns/{sending.pk}/archive/")
    logged = LogEntry.objects.filter(object_id=str(sending.pk)).order_by("pk")
    assert [entry.user_id for entry in logged] == [owner.pk] * 3
    assert ['"to": "paused"' in e.change_message for e in logged] == [True, False, False]
    assert '"to": "archived"' in logged.last().change_message
