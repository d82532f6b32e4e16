"""The bounce webhook answers every call a provider, a forger or a broken proxy can make with
a 4xx, never a 500 (a provider retries a 500 for days), and keeps only what fits."""

from __future__ import annotations

import base64
import json

import pytest

from patron.outreach.models import Suppression
from patron.web.views.public import _tracking_views

SECRET = "patron:s3cret-hook"
MOST_BYTES = 1024 * 1024  # what a provider may post at once
PROVIDERS = sorted(_tracking_views())
# Providers that need a key of their own (or a library) besides the shared secret.
NEED_MORE = {"amazon_ses", "mailersend", "mailgun", "mandrill", "postal", "unisender_go"}
MALFORMED = [
    b"",
    b"{",
    b"not json",
    b"[]",
    b"{}",
    b'{"RecordType": "Bounce"}',
    b'[{"event": "bounce"}]',
    b"a=1&b=2",
    b"[" * 100_000,
]


def auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def hook(settings, client):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    client.raise_request_exception = False  # a 500 is answered, as in production
    return client


def post(client, provider: str, body: bytes, *, secret: str | None = SECRET, **extra):
    headers = auth(secret) if secret else {}
    return client.post(
        f"/webhooks/email/{provider}/",
        body,
        content_type=extra.pop("content_type", "application/json"),
        **headers,
        **extra,
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_it_never_answers_500(db, hook, provider):
    for body in MALFORMED:
        for secret in (SECRET, None, "patron:guess"):
            for kind in ("application/json", "application/x-www-form-urlencoded"):
                answer = post(hook, provider, body, secret=secret, content_type=kind)
                # "{}" is a batch of no events for some: 200. Nothing is a 500.
                assert answer.status_code < 500, (body[:20], secret, kind)
                assert secret == SECRET or answer.status_code == 401


@pytest.mark.parametrize("provider", PROVIDERS)
def test_it_refuses_an_unsigned_or_forged_call(db, hook, provider):
    assert post(hook, provider, b"{}", secret=None).status_code == 401
    assert post(hook, provider, b"{}", secret="patron:guess").status_code == 401


@pytest.mark.parametrize("provider", sorted(set(PROVIDERS) - NEED_MORE))
def test_it_answers_a_malformed_body_with_400(db, hook, provider):
    assert post(hook, provider, b"{").status_code == 400
    assert post(hook, provider, b"[" * 100_000).status_code == 400


@pytest.mark.parametrize("provider", sorted(NEED_MORE))
def test_a_provider_without_its_own_key_is_not_served(db, hook, provider):
    assert post(hook, provider, b"{}").status_code == 404


def test_an_unknown_provider_is_not_served(db, hook):
    assert post(hook, "nosuchmail", b"{}").status_code == 404


def test_without_a_secret_no_provider_is_served(db, hook, settings):
    settings.ANYMAIL = {}
    assert post(hook, "postmark", b"{}").status_code == 404


def test_a_body_over_the_cap_is_refused_before_it_is_read(db, hook):
    assert post(hook, "postmark", b" " * (MOST_BYTES + 1)).status_code == 413
    assert post(hook, "postmark", b" " * (MOST_BYTES + 1), secret=None).status_code == 413


def bounce(email: str, **more) -> bytes:
    event = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "Email": email,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "BouncedAt": "2026-06-01T10:00:00Z",
        "Description": "The server was unable to deliver your message",
    }
    return json.dumps({**event, **more}).encode()


def test_what_it_keeps_is_cut_to_its_columns(db, hook):
    answer = post(hook, "postmark", bounce("Ann@Example.com", MessageID="m" * 5000))
    assert answer.status_code == 200
    kept = Suppression.objects.get(address="ann@example.com")
    assert len(kept.detail["message_id"]) == 128


@pytest.mark.parametrize(
    "recipient", ["a" * 300 + "@example.com", "<ann@example.com>", "ann\x00@example.com"]
)
def test_a_recipient_that_is_not_a_mailbox_is_not_kept(db, hook, recipient):
    assert post(hook, "postmark", bounce(recipient)).status_code == 200
    assert not Suppression.objects.exists()


def test_a_probe_changes_nothing_and_is_answered(db, hook):
    assert hook.head("/webhooks/email/postmark/").status_code == 200
    assert hook.get("/webhooks/email/postmark/").status_code == 405
