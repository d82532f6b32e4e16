"""A member records a consent the person gave at the counter or on the phone, with who, when,
how and the wording they agreed to; the party page shows consent per channel and topic with
its history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from patron.outreach.models import OutboxMessage
from patron.parties.consent import current_consents
from patron.parties.models import Consent
from tests.conftest import add_member

from .conftest import grant, make_party


@pytest.fixture
def staff_client(db):
    staff = add_member("counter", "staff", "a-long-staff-password", name="카운터")
    client = Client()
    client.force_login(staff)
    client.member = staff
    return client


def capture(client, party, **changes):
    form = {
        "channel": "sms",
        "purpose": "marketing",
        "granted": "yes",
        "how": "paper_form",
        "wording": "할인·이벤트 소식을 문자로 받겠습니다 (선택)",
        "decided_on": timezone.localdate().isoformat(),
        **changes,
    }
    return client.post(f"/parties/{party.pk}/consent/", form, follow=True)


def test_a_consent_signed_at_the_counter_is_recorded_with_its_evidence(staff_client):
    party = make_party(1, phone=True)
    capture(staff_client, party)
    assert current_consents([party.pk], "sms", "marketing")[party.pk] is True
    consent = Consent.objects.get(party=party)
    assert consent.source == "staff:paper_form"
    assert consent.recorded_by == staff_client.member
    assert consent.evidence["wording"] == "할인·이벤트 소식을 문자로 받겠습니다 (선택)"
    page = staff_client.get(f"/parties/{party.pk}/").content.decode()
    assert "a signed paper form at the counter" in page and "카운터" in page
    # The person is told what was recorded (§50⑦).
    assert OutboxMessage.objects.filter(party=party, topic__startswith="consent:").exists()


def test_a_no_said_on_the_phone_counts_at_once(staff_client):
    party = make_party(1, phone=True)
    grant([party], "sms", "marketing")
    waiting = OutboxMessage.objects.create(
        party=party, dedupe_key="c:1", channel="sms", address=party.phone,
        message_class="promotional",
    )  # fmt: skip
    capture(staff_client, party, granted="no", how="phone_call", wording="")
    assert current_consents([party.pk], "sms", "marketing")[party.pk] is False
    waiting.refresh_from_db()
    assert waiting.status == "skipped"


def test_a_yes_without_the_wording_or_dated_ahead_is_refused(staff_client):
    party = make_party(1, phone=True)
    page = capture(staff_client, party, wording="").content.decode()
    assert "Write what the person agreed to" in page
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = capture(staff_client, party, decided_on=tomorrow).content.decode()
    assert "cannot have decided on a day still to come" in page
    assert not Consent.objects.exists()
