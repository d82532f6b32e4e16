"""A provider's bounce or complaint webhook suppresses the address at once."""

from __future__ import annotations

import base64
import json

import pytest

from patron.outreach.models import OutboxMessage, Suppression

from .conftest import make_party

URL = "/webhooks/email/postmark/"


def bounce(email: str, kind: str = "HardBounce") -> str:
    return json.dumps(
        {
            "RecordType": "Bounce",
            "Type": kind,
            "TypeCode": 1,
            "Email": email,
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "BouncedAt": "2026-06-01T10:00:00Z",
            "Description": "The server was unable to deliver your message",
        }
    )


def auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def hook(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "patron:s3cret-hook"}


def test_a_hard_bounce_suppresses_the_address_and_drops_its_queue(db, client, hook):
    party = make_party(1)
    waiting = OutboxMessage.objects.create(
        party=party,
        dedupe_key="x",
        channel="email",
        address=party.email,
        message_class="newsletter",
    )
    answer = client.post(
        URL,
        bounce(party.email.upper()),
        content_type="application/json",
        **auth("patron:s3cret-hook"),
    )
    assert answer.status_code == 200
    suppression = Suppression.objects.get(address=party.email)
    assert suppression.reason == "bounced" and suppression.detail["provider"] == "Postmark"
    waiting.refresh_from_db()
    assert waiting.status == "skipped"


def test_a_soft_bounce_suppresses_nothing(db, client, hook):
    party = make_party(1)
    client.post(
        URL,
        bounce(party.email, "SoftBounce"),
        content_type="application/json",
        **auth("patron:s3cret-hook"),
    )
    assert not Suppression.objects.exists()


def test_a_forged_webhook_is_refused(db, client, hook):
    party = make_party(1)
    answer = client.post(
        URL, bounce(party.email), content_type="application/json", **auth("patron:guess")
    )
    assert answer.status_code in (400, 401, 403)
    assert not Suppression.objects.exists()


def test_without_a_secret_there_is_no_webhook(db, client, settings):
    settings.ANYMAIL = {}
    party = make_party(1)
    answer = client.post(URL, bounce(party.email), content_type="application/json")
    assert answer.status_code == 404
    assert not Suppression.objects.exists()


def test_an_owner_lifts_a_suppression_with_the_reason_kept(db, owner):
    from django.test import Client

    from patron.outreach.models import Suppression
    from patron.parties.models import Activity

    from .conftest import make_party

    party = make_party(1)
    Suppression.objects.create(channel="email", address=party.email, reason="bounced")
    client = Client()
    client.force_login(owner)
    page = client.get("/outreach/suppressions/?q=p0001").content.decode()
    assert party.email in page
    answer = client.post(
        f"/outreach/suppressions/{Suppression.objects.get().pk}/lift/", {"reason": ""}
    )
    assert Suppression.objects.exists()  # no reason, nothing lifted
    client.post(
        f"/outreach/suppressions/{Suppression.objects.get().pk}/lift/",
        {"reason": "고객이 전화로 주소가 맞다고 확인함"},
    )
    assert not Suppression.objects.exists()
    lifted = Activity.objects.get(party=party, verb="suppression.lifted")
    assert lifted.actor == owner and lifted.data["reason"] == "고객이 전화로 주소가 맞다고 확인함"
    assert answer.status_code == 302


def test_staff_cannot_lift_a_suppression(db):
    from django.test import Client

    from patron.outreach.models import Suppression
    from tests.conftest import add_member

    suppression = Suppression.objects.create(
        channel="sms", address="+821000000000", reason="refused"
    )
    client = Client()
    client.force_login(add_member("staffer", "staff", "a-long-staff-password"))
    assert (
        client.post(f"/outreach/suppressions/{suppression.pk}/lift/", {"reason": "x"}).status_code
        == 403
    )
    assert Suppression.objects.exists()


def test_a_refusal_about_our_relay_pauses_email_and_suppresses_nobody(db, smtp, settings):
    """RFC 3463: 5.1.1 says the mailbox does not exist (suppressed); "relaying denied" is
    about our mail server (email pauses, the address stays); a policy refusal of one
    recipient fails that message alone."""
    from patron.outreach.delivery import deliver_due
    from patron.outreach.models import ChannelPause, OutboxMessage, Suppression
    from patron.outreach.planner import do_plan_campaign
    from patron.outreach.services import do_launch_campaign

    from .conftest import at_kst, campaign_for, grant, make_party

    settings.PATRON_EMAIL_QUIET_HOURS = False
    gone, policy, fine = make_party(1), make_party(2), make_party(3)
    grant([gone, policy, fine], "email", "marketing")
    smtp.mailbox.answers = {
        gone.email: "550 5.1.1 No such user here",
        policy.email: "550 5.7.1 Recipient address rejected: Access denied",
    }
    campaign = campaign_for({})
    day = at_kst(2026, 6, 1, 11)
    do_launch_campaign(campaign, now=day)
    do_plan_campaign(campaign, now=day)
    assert deliver_due(now=day).counts == {"failed": 2, "sent_email": 1}
    assert list(Suppression.objects.values_list("address", flat=True)) == [gone.email]
    assert OutboxMessage.objects.get(party=policy).status == "failed"

    relay = make_party(4)
    grant([relay], "email", "marketing")
    smtp.mailbox.answers = {relay.email: "554 5.7.1 <p0004@example.com>: Relay access denied"}
    again = campaign_for({}, subject="두 번째")
    do_launch_campaign(again, now=day)
    do_plan_campaign(again, now=day)
    report = deliver_due(now=day)
    assert report.counts["paused"] >= 1
    assert ChannelPause.objects.get().channel == "email"
    assert not Suppression.objects.filter(address=relay.email).exists()
    assert OutboxMessage.objects.get(party=relay, campaign=again).status == "queued"
