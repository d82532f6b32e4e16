"""A shop's contact form reports feedback over the API: it gets an owner and due times, is
listed open, and is closed with what was done; refusals name the field."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from patron.accounts.tokens import do_make_token
from patron.feedback.models import FeedbackItem
from tests.outreach.conftest import make_party

pytestmark = pytest.mark.django_db


def send(secret, method, path, body=None):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "get":
        return client.get(f"/api/v1{path}", **headers)
    return client.post(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
    )


def test_feedback_is_reported_listed_and_closed(owner):
    party = make_party(1)
    form = do_make_token("contact form", {"feedback": "write"}).secret
    made = send(
        form,
        "post",
        "/feedback",
        {"party_id": party.pk, "text": "배송이 늦어요", "severity": "high"},
    )
    assert made.status_code == 201
    item = made.json()
    assert item["source"] == "api" and item["status"] == "open" and item["due"] is not None
    assert item["owner"] == owner.username  # nobody manages them: an owner
    listed = send(form, "get", "/feedback").json()
    assert [row["id"] for row in listed] == [item["id"]]
    no_cause = send(
        form, "post", f"/feedback/{item['id']}/close", {"resolution": "다시 보냄", "cause": "?"}
    )
    assert no_cause.status_code == 422 and no_cause.json()["errors"][0]["field"].endswith("cause")
    closed = send(
        form,
        "post",
        f"/feedback/{item['id']}/close",
        {"resolution": "다시 보냄", "cause": "delivery"},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert send(form, "get", "/feedback").json() == []
    bad = send(
        form, "post", "/feedback", {"party_id": party.pk, "text": "x", "severity": "apocalyptic"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("severity")
    assert FeedbackItem.objects.count() == 1
