"""Exports of Korean shop builders, a POS, a payment service and booking pages, each read
without --map to the counts its builder wrote down (tests/data/exports/build.py and
expected.json: counted from the rows it wrote, not by running Patron)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from patron.commerce.imports import do_import_file
from patron.parties.models import Party

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent.parent / "data" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
# The day build.py counted from: bookings after it are upcoming, those before took place.
COUNTED_ON = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _on_the_day_the_samples_were_counted(monkeypatch):
    """The samples' bookings are upcoming or past as of the day they were counted, whenever
    the tests run: "now" is that day for the importer."""
    monkeypatch.setattr(timezone, "now", lambda: COUNTED_ON)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_imports_to_its_expected_counts_without_help(name):
    expected = EXPECTED[name]
    report = do_import_file(EXPORTS / name)
    assert report.rows == expected["rows"]
    assert report.rejected_rows == expected["rejected_rows"]
    assert Party.objects.count() == expected["parties"]
    if expected["purchases"] is not None:
        assert report.purchases == expected["purchases"]
    if expected["kind"] == "bookings":
        assert report.kind == "bookings"
        assert report.engagements_created == expected["engagements_created"]
        for outcome in ("completed", "cancelled", "no_show", "upcoming"):
            key = f"engagements_{outcome}"
            assert getattr(report, key) == expected[key], key
    else:
        assert report.kind == "orders"
        assert report.orders_in_file == expected["orders_in_file"]
    # Words Patron reports as unknown are among those the file made up; it may know more.
    made_up = {item["status"] for item in expected["unknown_statuses"]}
    assert {item["status"] for item in report.unknown_statuses} <= made_up


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_again_adds_nothing(name):
    do_import_file(EXPORTS / name)
    again = do_import_file(EXPORTS / name)
    assert (again.orders_created, again.engagements_created, again.parties_created) == (0, 0, 0)


def test_the_shops_buyers_who_booked_are_one_party_each():
    shop, booking = "sixshop_orders.xlsx", "naver_booking.xlsx"
    shared = EXPECTED[shop]["people_shared_with"][booking]
    do_import_file(EXPORTS / shop)
    do_import_file(EXPORTS / booking)
    people = EXPECTED[shop]["parties"] + EXPECTED[booking]["parties"] - shared
    assert Party.objects.count() == people


@pytest.mark.django_db(transaction=True)
def test_a_booking_download_leaves_its_regulars_read_as_clients_by_the_worker(worker):
    from patron.cli import main
    from patron.parties.models import Relationship

    assert main(["import", str(EXPORTS / "photo_studio_bookings.csv"), "--source", "studio"]) == 0
    worker()  # the refresh the import queued: no command by hand
    read = Relationship.objects.filter(party__engagements__isnull=False).distinct()
    assert read.exists() and not read.filter(classified_at__isnull=True).exists()
    clients = [r for r in read if r.kind == "client"]
    assert clients, "regulars who kept their bookings over months are clients"
    # Each with the bookings as its reason: kept over months, or tailored work come back for.
    booked = {"reason.bookings_kept", "reason.tailored_repeat"}
    assert all(any(reason["code"] in booked for reason in r.reasons) for r in clients)
    assert any(reason["code"] == "reason.bookings_kept" for r in clients for reason in r.reasons)
