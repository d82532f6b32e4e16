"""Every sample export imports to its truth; re-imports add nothing; changes update."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from patron.cli import main
from patron.commerce.imports import do_import_file
from patron.commerce.models import ImportRun, Order, RejectedRow
from patron.core.wording import say
from patron.parties.models import Consent, Party

pytestmark = pytest.mark.django_db


def test_shopify_export_matches_truth(sample, truth):
    expected = truth["shopify_orders.csv"]
    report = do_import_file(sample("shopify_orders.csv"))
    assert report.profile == "shopify"
    assert report.orders_created == expected["orders_in_file"]
    assert report.purchases == expected["purchases"]
    assert Order.objects.filter(status="cancelled").count() == expected["cancelled_orders"]
    assert expected["parties_at_least"] <= Party.objects.count() <= expected["parties_at_most"]
    assert report.rejected_rows == 0


def test_shopify_line_items_join_their_order(sample):
    do_import_file(sample("shopify_orders.csv"))
    order = Order.objects.get(source="shopify", external_id="#1002")
    assert [line.name for line in order.lines.order_by("line_no")] == ["Print 4x6", "Frame A4"]
    assert order.amount == 21000


def test_shopify_accepts_marketing_is_recorded_as_consent_with_evidence(sample):
    do_import_file(sample("shopify_orders.csv"))
    consent = Consent.objects.filter(source="import:shopify").first()
    assert consent is not None
    assert consent.evidence["file"] == "shopify_orders.csv" and consent.evidence["row"] > 1
    assert consent.evidence["column"] == "accepts_marketing"


def test_stripe_export_matches_truth(sample, truth):
    expected = truth["stripe_payments.csv"]
    report = do_import_file(sample("stripe_payments.csv"))
    assert report.profile == "stripe"
    assert report.rows == expected["rows"]
    assert report.rejected_rows == expected["rejected_rows"]
    assert report.purchases == expected["purchases"]
    assert Order.objects.filter(status="failed").count() == expected["failed_charges"]
    assert Party.objects.count() == expected["parties_any_valid_row"]
    buyers = Order.objects.exclude(status__in=["failed", "cancelled"]).values("party").distinct()
    assert buyers.count() == expected["parties_with_purchase"]


def test_stripe_keeps_zero_decimal_krw_and_cents_usd(sample):
    do_import_file(sample("stripe_payments.csv"))
    krw = Order.objects.get(external_id="ch_7_000000")
    usd = Order.objects.get(external_id="ch_7_000001")
    assert (krw.currency, krw.amount) == ("KRW", 183000)
    assert (usd.currency, str(usd.amount)) == ("USD", "216.43")


def test_korean_cp949_export_matches_truth(sample, truth):
    expected = truth["orders_ko_cp949.csv"]
    report = do_import_file(sample("orders_ko_cp949.csv"))
    assert report.encoding == "cp949"
    assert report.profile == "generic"
    assert report.rows == expected["rows"]
    assert report.rejected_rows == expected["rejected_rows"]
    assert report.purchases == expected["purchases"]
    assert Party.objects.count() == expected["parties"]


def test_rejected_rows_name_row_field_and_reason(sample):
    report = do_import_file(sample("stripe_payments.csv"))
    by_row = {r.row: r for r in report.rejections}
    assert by_row[19].field == "Created date (UTC)"
    assert by_row[19].value == "2023-02-30 10:00:00"
    assert say(by_row[19].reason) == "This is not a real date: month 2 has no day 30."
    assert by_row[406].field == "Amount" and by_row[406].reason == {"code": "value.amount_invalid"}
    assert by_row[406].value == "twelve"
    assert RejectedRow.objects.filter(run_id=report.run_id).count() == 2


@pytest.mark.parametrize(
    "name", ["shopify_orders.csv", "stripe_payments.csv", "orders_ko_cp949.csv"]
)
def test_reimport_adds_nothing(sample, name):
    path = sample(name)
    first = do_import_file(path)
    counts = (Order.objects.count(), Party.objects.count(), Consent.objects.count())
    second = do_import_file(path)
    assert (Order.objects.count(), Party.objects.count(), Consent.objects.count()) == counts
    assert second.orders_created == 0 and second.parties_created == 0
    assert second.orders_updated == 0
    assert second.purchases == first.purchases


def test_a_changed_row_updates_its_order(sample):
    path = sample("orders_ko_cp949.csv")
    do_import_file(path)
    text = (
        path.read_bytes()
        .decode("cp949")
        .replace("K7-00001,2024-02-10 08:13,신하준", "K7-00001,2024-02-11 08:13,신하준")
    )
    path.write_bytes(text.encode("cp949"))
    report = do_import_file(path)
    assert report.orders_updated == 1 and report.orders_created == 0
    occurred_at = Order.objects.get(external_id="K7-00001").occurred_at
    assert timezone.localtime(occurred_at).date().isoformat() == "2024-02-11"


def test_one_person_is_one_party_across_sources(write_csv):
    shop = write_csv(
        "shop.csv",
        [
            ["Order ID", "Date", "Name", "Email", "Amount"],
            ["A1", "2024-01-02", "Kim Minji", "MINJI@Example.com ", "10000"],
        ],
    )
    pay = write_csv(
        "pay.csv",
        [
            ["Invoice", "Date", "Customer", "E-mail", "Phone", "Total"],
            ["P9", "2024-02-03", "김민지", "minji@example.com", "010-1111-2222", "20000"],
        ],
    )
    do_import_file(shop, source="shop")
    do_import_file(pay, source="payments")
    assert Party.objects.count() == 1
    assert Order.objects.filter(party=Party.objects.get()).count() == 2


@pytest.mark.parametrize(
    "name", ["shopify_orders.csv", "stripe_payments.csv", "orders_ko_cp949.csv"]
)
def test_a_preview_counts_what_the_import_will_do_and_keeps_nothing(sample, name):
    path = sample(name)
    preview = do_import_file(path, dry_run=True)
    assert Order.objects.count() == 0 and Party.objects.count() == 0
    assert ImportRun.objects.get(pk=preview.run_id).status == "done"
    real = do_import_file(path)
    counted = ("rows", "orders_created", "orders_updated", "orders_unchanged", "purchases")
    for key in (*counted, "parties_created", "rejected_rows"):
        assert getattr(preview, key) == getattr(real, key), key


def test_cli_json_summary(sample, capsys, truth):
    status = main(["import", str(sample("stripe_payments.csv")), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert status == 0
    expected = truth["stripe_payments.csv"]
    for key in ("rows", "purchases", "rejected_rows"):
        assert summary[key] == expected[key]
    for key in ("orders_created", "orders_updated", "parties_created"):
        assert key in summary


def test_cli_writes_error_report_csv(sample, tmp_path, capsys):
    errors = tmp_path / "errors.csv"
    assert main(["import", str(sample("orders_ko_cp949.csv")), "--errors", str(errors)]) == 0
    lines = errors.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,field,reason,value"
    assert len(lines) == 1 + 21
    assert any("not a real date" in line for line in lines)
    assert "21 rows rejected" in capsys.readouterr().out


def test_cli_unreadable_file_exits_nonzero_with_one_line(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "empty" in err


def test_cli_map_names_a_column(write_csv, capsys):
    path = write_csv(
        "odd.csv", [["Ref", "When", "Who", "Paid"], ["X1", "2024-01-01", "Ann", "5000"]]
    )
    assert main(["import", str(path), "--json"]) == 1  # no known header for the amount
    assert "--map" in capsys.readouterr().err
    maps = [
        "--map",
        "Paid=total",
        "--map",
        "Ref=order_id",
        "--map",
        "When=occurred_at",
        "--map",
        "Who=name",
    ]
    code = main(["import", str(path), *maps, "--json"])
    assert code == 0
    assert Order.objects.get().external_id == "X1"


def test_a_run_is_imported_once_however_often_it_is_started(sample):
    from patron import jobs

    path = sample("stripe_payments.csv")
    name = jobs.store_upload(iter([path.read_bytes()]), path.name)
    run = jobs.start_import(name, file_name=path.name, user=None)
    stale = ImportRun.objects.get(pk=run.pk)
    jobs.import_file.call(run.pk)
    with pytest.raises(Exception, match="already running"):
        do_import_file(path, run=stale)  # a second worker holding the same queued run
    assert Order.objects.count() == 1198


def test_a_queued_run_is_never_left_without_its_task(sample):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from patron import jobs

    path = sample("stripe_payments.csv")
    name = jobs.store_upload(iter([path.read_bytes()]), path.name)
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.start_import(name, file_name=path.name, user=None)
        raise RuntimeError("the request failed after queueing")
    assert not ImportRun.objects.exists() and not DBTaskResult.objects.exists()  # neither
    run = jobs.start_import(name, file_name=path.name, user=None)
    DBTaskResult.objects.all().delete()  # a task lost somewhere
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    assert jobs.requeue_lost_imports() == 1
    assert DBTaskResult.objects.get().args_kwargs["args"] == [run.pk]


def test_a_failure_before_the_first_row_ends_the_run(sample, monkeypatch):
    from django.db import OperationalError

    from patron.commerce import imports

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(imports, "open_table", busy)
    with pytest.raises(OperationalError):
        do_import_file(sample("stripe_payments.csv"))
    run = ImportRun.objects.get()
    assert run.status == "failed" and run.problem["code"] == "import.database_unwritable"


def test_consent_follows_the_latest_date_whatever_the_row_order(write_csv):
    from patron.parties.consent import may_contact

    rows = [
        ["Name", "Email", "Financial Status", "Created at", "Total", "Lineitem name",
         "Accepts Marketing"],
        ["#2", "ann@example.com", "paid", "2024-03-05 10:00:00 +0900", "1000", "Print", "no"],
        ["#1", "ann@example.com", "paid", "2024-03-01 10:00:00 +0900", "1000", "Print", "yes"],
    ]  # fmt: skip
    do_import_file(write_csv("newest-first.csv", rows))
    assert not may_contact(Party.objects.get(), "email", "marketing")
