"""A till records sales over the API: points and coupons by the rules, refusals naming the
field, and an Idempotency-Key that makes a retried POST one sale (Stripe's rules)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from patron.accounts.models import ApiToken
from patron.accounts.tokens import do_make_token
from patron.commerce.models import Order
from patron.core.models import IdempotencyRecord
from patron.loyalty import ledger
from patron.loyalty.program import program
from tests.outreach.conftest import make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def till():
    rules = program()
    rules.enabled, rules.starts_on, rules.rate_percent = True, dt.date(2020, 1, 1), Decimal(5)
    rules.pending_days, rules.min_balance_to_use = 0, 1000
    rules.save()
    return do_make_token("till", {"loyalty": "write"}).secret


def post(secret, path, body, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
    )


def test_a_sale_earns_and_a_retry_with_its_key_is_the_same_sale(till):
    party = make_party(1)
    sale = {"party_id": party.pk, "amount": 40_000, "number": "R-1"}
    first = post(till, "/loyalty/sales", sale, key="k-1")
    assert first.status_code == 201 and first.json()["earned"] == 2000
    again = post(till, "/loyalty/sales", sale, key="k-1")
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(source="counter").count() == 1
    assert ledger.balance_of(party.pk) == 2000
    other = post(till, "/loyalty/sales", {**sale, "amount": 1}, key="k-1")
    assert other.status_code == 422 and "another request" in other.json()["title"]
    balance = Client().get(
        f"/api/v1/loyalty/parties/{party.pk}/balance", HTTP_AUTHORIZATION=f"Bearer {till}"
    )
    assert balance.json() == {"party_id": party.pk, "balance": 2000, "grade": None, "coupons": []}


def test_a_key_still_in_flight_is_409_and_one_abandoned_is_taken_over(till):
    party = make_party(1)
    sale = {"party_id": party.pk, "amount": 10_000, "number": "R-2"}
    caller = f"t{ApiToken.objects.get(name='till').pk}"
    IdempotencyRecord.objects.create(scope=caller, key="k-2", fingerprint="another request")
    assert post(till, "/loyalty/sales", sale, key="k-2").status_code == 422
    IdempotencyRecord.objects.all().delete()
    first = post(till, "/loyalty/sales", sale, key="k-3")
    IdempotencyRecord.objects.filter(key="k-3").update(done=False)
    assert post(till, "/loyalty/sales", sale, key="k-3").status_code == 409
    IdempotencyRecord.objects.filter(key="k-3").update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    retried = post(till, "/loyalty/sales", sale, key="k-3")  # its process died: taken over
    assert retried.status_code == 201 and retried.json()["order_id"] == first.json()["order_id"]
    assert post(till, "/loyalty/sales", sale, key="x" * 256).status_code == 422
    # A refusal keeps nothing: the same key, once the input is right, goes through.
    wrong = post(till, "/loyalty/sales", {**sale, "number": "R-9", "amount": 0}, key="k-9")
    assert wrong.status_code == 422
    right = post(till, "/loyalty/sales", {**sale, "number": "R-9"}, key="k-9")
    assert right.status_code == 201
    # A token not in force keeps nothing and replays nothing.
    assert post("ptn_" + "x" * 42, "/loyalty/sales", sale, key="k-11").status_code == 401
    assert not IdempotencyRecord.objects.filter(key="k-11").exists()


def test_refusals_name_the_field_and_write_nothing(till):
    party = make_party(1)
    too_many = post(
        till,
        "/loyalty/sales",
        {"party_id": party.pk, "amount": 10_000, "number": "R-4", "use_points": 999},
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"].endswith("use_points")
    no_coupon = post(
        till,
        "/loyalty/sales",
        {"party_id": party.pk, "amount": 10_000, "number": "R-5", "coupon_code": "NOPE"},
    )
    assert no_coupon.json()["errors"][0]["field"].endswith("coupon_code")
    assert "no coupon NOPE" in no_coupon.json()["errors"][0]["detail"]
    assert not Order.objects.exists()
    reader = do_make_token("reader", {"loyalty": "read"}).secret
    assert (
        post(
            reader, "/loyalty/sales", {"party_id": party.pk, "amount": 1, "number": "x"}
        ).status_code
        == 403
    )
