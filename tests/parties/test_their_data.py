"""A person's right to see and take their data: everything kept about them (merged records
included), as JSON and as CSV files safe in Excel, from the page, the CLI and the API, in
seconds for 10,000 orders; each export is in the access log."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from patron import rights
from patron.accounts.tokens import do_make_token
from patron.commerce.models import Order, OrderLine
from patron.core.bulk import insert_rows
from patron.parties.activity import record_activity
from patron.parties.merge import do_merge_parties
from patron.parties.models import AccessRecord, Consent
from tests.outreach.conftest import grant, make_party

pytestmark = pytest.mark.django_db


def order(party, external_id, amount=10_000, name="앨범"):
    made = Order.objects.create(
        source="cafe24",
        external_id=external_id,
        party=party,
        occurred_at=timezone.now(),
        currency="KRW",
        amount=amount,
        row_digest="x",
    )
    OrderLine.objects.create(order=made, line_no=1, name=name, unit_price=amount)
    return made


def test_everything_about_them_merged_records_included(owner):
    party, other = make_party(1, phone=True), make_party(2)
    grant([party], "email", "marketing")
    order(party, "A-1")
    order(other, "B-1", name='=HYPERLINK("http://evil")')
    do_merge_parties(party, other, actor=owner)
    record_activity(party, "relationship.changed", data={"kind_to": "client"})
    data = json.loads(rights.as_json(party))
    assert data["party"]["id"] == party.pk and data["party"]["merged_records"] == [other.pk]
    assert {o["external_id"] for o in data["orders"]} == {"A-1", "B-1"}
    assert data["consents"][0]["evidence"] and data["consents"][0]["granted"] is True
    assert data["timeline"]  # worded, not codes
    archive = zipfile.ZipFile(io.BytesIO(rights.as_csv_zip(party)))
    assert {"party.csv", "orders.csv", "order_lines.csv", "consents.csv"} <= set(archive.namelist())
    lines = archive.read("order_lines.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in lines  # text, never a formula in Excel


def test_from_the_page_the_cli_and_the_api_each_recorded(client, owner, teammate, tmp_path, capsys):
    from patron.cli import main

    party = make_party(1)
    client.force_login(teammate)
    assert client.get(f"/parties/{party.pk}/data.json").status_code == 403  # staff: no
    client.force_login(owner)
    page = client.get(f"/parties/{party.pk}/data.json")
    assert page.status_code == 200 and json.loads(page.content)["party"]["id"] == party.pk
    assert client.get(f"/parties/{party.pk}/data.zip")["Content-Type"] == "application/zip"
    assert client.get(f"/parties/{party.pk}/data.exe").status_code == 404
    assert main(["export-party", str(party.pk), "--out", str(tmp_path / "p.json")]) == 0
    assert json.loads((tmp_path / "p.json").read_text())["party"]["id"] == party.pk
    assert main(["export-party", "999999"]) == 2
    calendar = do_make_token("calendar", {"parties": "read"}).secret
    refused = Client().get(
        f"/api/v1/parties/{party.pk}/export", HTTP_AUTHORIZATION=f"Bearer {calendar}"
    )
    assert refused.status_code == 403  # a whole file needs the token's own area
    secret = do_make_token("rights desk", {"data_requests": "read"}).secret
    api = Client().get(f"/api/v1/parties/{party.pk}/export", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200 and api.json()["party"]["id"] == party.pk
    assert AccessRecord.objects.filter(action="export", parties=[party.pk]).count() == 4
    assert {a["action"] for a in rights.party_data(party)["access"]} >= {"export"}


def test_ten_thousand_orders_export_in_seconds():
    party = make_party(1)
    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            source="bulk",
            external_id=f"O{i}",
            party=party,
            occurred_at=now - dt.timedelta(hours=i),
            currency="KRW",
            amount=1000,
            row_digest="x",
        )
        for i in range(10_000)
    )
    ids = list(Order.objects.filter(party=party).values_list("pk", flat=True))
    insert_rows(
        OrderLine,
        ["order_id", "line_no", "name", "quantity", "unit_price"],
        [(pk, 1, "인화", 1, 1000) for pk in ids],
    )
    started = time.monotonic()
    data = json.loads(rights.as_json(party))
    rights.as_csv_zip(party)
    assert len(data["orders"]) == 10_000 and len(data["order_lines"]) == 10_000
    assert time.monotonic() - started < 30  # a generous bound: seconds on this machine
    assert Consent.objects.count() == 0
