"""An integration's token: recognisable, checked before any lookup, stored as a digest, its
areas and its end kept; the parties routes with it: pages by cursor, search by phone and
email, one party, and every refusal as problem details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from patron.accounts.models import ApiToken
from patron.accounts.tokens import (
    TokenRefused,
    authenticate,
    digest_of,
    do_make_token,
    do_revoke_token,
    well_formed,
)
from patron.parties.models import ContactPoint
from tests.outreach.conftest import make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return do_make_token("shop", {"parties": "read"}).secret


def call(secret, path, **params):
    return Client().get(
        f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_token_is_recognisable_checked_and_only_its_digest_is_kept():
    made = do_make_token("shop", {"parties": "read", "orders": "write"})
    secret = made.secret
    assert secret.startswith("ptn_") and len(secret) == 46 and well_formed(secret)
    stored = ApiToken.objects.get()
    assert stored.digest == digest_of(secret) and secret not in str(stored.__dict__)
    assert stored.expires_at - stored.created_at == dt.timedelta(days=90)
    typo = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    assert not well_formed(typo) and authenticate(typo) is None
    assert authenticate(secret) == stored
    assert do_revoke_token(stored) and not do_revoke_token(stored)
    assert authenticate(secret) is None


@pytest.mark.parametrize(
    ("name", "scopes", "days", "code"),
    [
        ("", {"parties": "read"}, 90, "token.no_name"),
        ("x", {}, 90, "token.no_area"),
        ("x", {"everything": "read"}, 90, "token.unknown_area"),
        ("x", {"parties": "admin"}, 90, "token.bad_access"),
        ("x", {"parties": "read"}, 400, "token.bad_days"),
    ],
)
def test_a_token_that_makes_no_sense_is_refused(name, scopes, days, code):
    with pytest.raises(TokenRefused) as refused:
        do_make_token(name, scopes, days=days)
    assert refused.value.code == code
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_as_problem_details():
    made = do_make_token("old", {"parties": "read"}, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = call(made.secret, "/parties")
    assert answer.status_code == 401 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 401 and "WWW-Authenticate" in answer
    assert Client().get("/api/v1/parties").status_code == 401  # no token at all


def test_parties_come_a_page_at_a_time_by_cursor(reader):
    parties = [make_party(i) for i in range(5)]
    first = call(reader, "/parties", limit=2).json()
    assert [p["id"] for p in first["items"]] == [parties[0].pk, parties[1].pk]
    second = call(reader, "/parties", limit=2, cursor=first["next_cursor"]).json()
    third = call(reader, "/parties", limit=2, cursor=second["next_cursor"]).json()
    assert [p["id"] for p in third["items"]] == [parties[4].pk] and third["next_cursor"] is None
    bad = call(reader, "/parties", cursor="not-ours!")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("cursor")
    too_many = call(reader, "/parties", limit=5000)
    assert too_many.status_code == 422 and "limit" in too_many.json()["errors"][0]["field"]


def test_a_party_is_found_by_any_phone_or_email_it_gave(reader):
    party = make_party(1, phone=True)
    ContactPoint.objects.create(party=party, kind="phone", value="+821099998888")
    make_party(2)
    found = call(reader, "/parties", phone="010-9999-8888").json()["items"]
    assert [p["id"] for p in found] == [party.pk]
    assert call(reader, "/parties", email="P0001@example.com").json()["items"][0]["id"] == party.pk
    assert call(reader, "/parties", phone="hello").status_code == 422
    one = call(reader, f"/parties/{party.pk}").json()
    assert one["name"] == party.display_name and one["relationship"] == "customer"
    missing = call(reader, "/parties/999999")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def test_a_token_reaches_only_its_areas():
    other = do_make_token("till", {"loyalty": "write"}).secret
    answer = call(other, "/parties")
    assert answer.status_code == 403 and "parties" in answer.json()["detail"]


def test_calls_are_throttled_per_token_with_retry_after(reader, settings):
    from django.core.cache import cache

    settings.PATRON_API_RATE = "2/m"
    cache.clear()
    codes = [call(reader, "/parties").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    last = call(reader, "/parties")
    assert int(last["Retry-After"]) >= 1 and last.json()["status"] == 429
    other = do_make_token("other", {"parties": "read"}).secret
    assert call(other, "/parties").status_code == 200  # each token has its own


def test_the_schema_is_openapi_3_1_and_the_docs_need_no_cdn():
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1") and "/api/v1/parties" in schema["paths"]
    docs = Client().get("/api/v1/docs").content.decode()
    assert "cdn." not in docs


def test_health_answers_without_a_login():
    answer = Client().get("/health/")
    assert answer.status_code == 200 and answer.json()["database"] == "ok"
    assert "sessionid" not in answer.cookies


def test_tokens_are_made_listed_and_revoked_from_the_command_line(capsys):
    import json

    from patron.cli import main

    assert main(["tokens", "create", "till", "--area", "parties:read", "--days", "30"]) == 0
    secret = capsys.readouterr().out.strip()
    assert well_formed(secret) and call(secret, "/parties").status_code == 200
    assert main(["tokens", "create", "bad", "--area", "parties:admin"]) == 2
    assert "read or write" in capsys.readouterr().err
    assert main(["tokens", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "till" and secret not in json.dumps(listed)
    assert main(["tokens", "revoke", str(listed[0]["id"])]) == 0
    assert call(secret, "/parties").status_code == 401


def test_an_owner_makes_a_token_on_its_page_sees_it_once_and_revokes_it(owner, manager):
    client = Client()
    client.force_login(manager)
    assert client.get("/team/api-tokens/").status_code == 403
    client.force_login(owner)
    page = client.post(
        "/team/api-tokens/",
        {"name": "쇼핑몰", "days": "30", "area_parties": "read", "area_orders": "write"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page["Cache-Control"] == "no-store"
    secret = page.content.decode().split('data-testid="token-secret">', 1)[1].split("<", 1)[0]
    assert well_formed(secret)
    token = ApiToken.objects.get()
    assert token.scopes == {"parties": "read", "orders": "write"} and token.created_by == owner
    assert secret not in client.get("/team/api-tokens/").content.decode()  # shown once
    refused = client.post(
        "/team/api-tokens/", {"name": "x", "days": "30"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "at least one area" in refused.content.decode() and ApiToken.objects.count() == 1
    client.post(f"/team/api-tokens/{token.pk}/revoke/")
    assert authenticate(secret) is None


def test_a_shop_records_a_yes_with_its_evidence_and_a_no_that_counts_at_once():
    import json

    from patron.parties.models import Consent

    party = make_party(1)
    shop = do_make_token("쇼핑몰", {"outreach": "write"}).secret

    def decide(body):
        return Client().post(
            f"/api/v1/parties/{party.pk}/consent",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {shop}",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    yes = {"channel": "email", "purpose": "marketing", "granted": True, "how": "online_form"}
    refused = decide(yes)  # a yes without the words agreed to
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].endswith("wording")
    agreed = decide({**yes, "wording": "할인 소식을 이메일로 받겠습니다"})
    assert agreed.status_code == 200 and agreed.json()["changed"]
    given = Consent.objects.get(party=party, granted=True)
    assert given.source == "api:online_form" and given.evidence["system"] == "쇼핑몰"
    assert given.evidence["wording"].startswith("할인 소식")
    no = decide({**yes, "granted": False})
    in_force = {(c["channel"], c["purpose"]): c["granted"] for c in no.json()["in_force"]}
    assert in_force[("email", "marketing")] is False
    late_yes = decide(
        {**yes, "wording": "예", "decided_at": (timezone.now() - dt.timedelta(days=3)).isoformat()}
    )
    assert late_yes.status_code == 422  # a yes dated before the no given since
    assert decide({**yes, "how": "telepathy", "wording": "x"}).status_code == 422
    reader = do_make_token("reader", {"outreach": "read"}).secret
    seen = call(reader, f"/parties/{party.pk}/consent")
    assert seen.status_code == 200 and len(seen.json()) == 8
