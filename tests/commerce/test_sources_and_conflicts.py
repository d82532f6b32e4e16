"""Imports from different files never take each other's orders silently; a file's repeated
order numbers are reported with both rows; the source is explicit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patron import jobs
from patron.cli import main
from patron.commerce.imports import do_import_file
from patron.commerce.models import ImportRun, Order
from patron.core.wording import say
from patron.parties.models import Activity, Party

pytestmark = pytest.mark.django_db

HEADER = ["Order ID", "Date", "Name", "Email", "Amount"]


@pytest.fixture
def two_files(write_csv):
    first = write_csv(
        "shop-a.csv",
        [HEADER, ["X1", "2024-01-01", "Ann", "ann@example.com", "100"],
         ["X2", "2024-01-02", "Ann", "ann@example.com", "200"]],
    )  # fmt: skip
    second = write_csv(
        "shop-b.csv",
        [HEADER, ["X1", "2024-03-01", "Bo", "bo@example.com", "900"],
         ["X3", "2024-03-02", "Bo", "bo@example.com", "300"]],
    )  # fmt: skip
    return first, second


def test_an_order_another_file_gave_to_someone_else_is_kept_and_reported(two_files):
    first, second = two_files
    do_import_file(first)
    report = do_import_file(second)
    ann_order = Order.objects.get(external_id="X1")
    assert ann_order.party.display_name == "Ann" and ann_order.amount == 100  # not overwritten
    assert (report.orders_conflicting, report.orders_created) == (1, 1)
    assert say(report.issues[0]) == (
        "Row 2: order X1 was imported before for Ann; this file names someone else. "
        "It was kept as it was."
    )


def test_the_preview_reports_the_same_conflicts(two_files):
    first, second = two_files
    do_import_file(first)
    preview = do_import_file(second, dry_run=True)
    assert (preview.orders_conflicting, preview.orders_created) == (1, 1)


def test_when_the_person_says_so_the_file_gives_the_order(two_files):
    first, second = two_files
    do_import_file(first)
    report = do_import_file(second, on_conflict="replace")
    assert report.orders_moved == 1 and report.orders_conflicting == 0
    order = Order.objects.get(external_id="X1")
    assert order.party.display_name == "Bo" and order.amount == 900


def test_a_file_from_another_system_under_its_own_source_takes_nothing(two_files):
    first, second = two_files
    do_import_file(first)
    report = do_import_file(second, source="shop-b")
    assert report.orders_conflicting == 0 and report.orders_created == 2
    assert Order.objects.filter(external_id="X1").count() == 2


def test_the_same_file_again_and_a_later_export_still_add_nothing(two_files, write_csv):
    first, _ = two_files
    do_import_file(first)
    again = do_import_file(first)
    assert (again.orders_created, again.orders_conflicting, again.orders_unchanged) == (0, 0, 2)


def test_an_order_number_twice_in_one_file_is_reported_with_both_rows(write_csv, settings):
    settings.PATRON_IMPORT_BATCH_ROWS = 2  # the repeat lands in another batch too
    rows = [
        HEADER,
        ["Y1", "2024-01-01", "Ann", "ann@example.com", "100"],
        ["Y2", "2024-01-01", "Ann", "ann@example.com", "100"],
        ["Y3", "2024-01-01", "Ann", "ann@example.com", "100"],
        ["Y1", "2024-01-05", "Ann", "ann@example.com", "555"],
        ["Y2", "2024-01-01", "Ann", "ann@example.com", "100"],  # the same again: harmless
    ]
    path = write_csv("dups.csv", rows)
    preview = do_import_file(path, dry_run=True)
    report = do_import_file(path)
    for result in (preview, report):
        assert result.duplicate_ids == 1
        assert result.issues == [{"code": "import.duplicate_order", "order": "Y1", "rows": [2, 5]}]
    assert Order.objects.get(external_id="Y1").amount == 555


def test_the_page_shows_the_conflicts_and_lets_the_person_choose(
    client, teammate, manager, two_files
):
    first, second = two_files
    do_import_file(first)
    client.force_login(teammate)
    with second.open("rb") as upload:
        client.post(reverse("import"), {"file": upload, "source": ""})
    run = ImportRun.objects.latest("pk")
    jobs.import_file.call(run.pk)
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "belongs to someone else there" in page and "Give these orders" not in page
    assert client.post(reverse("import_give", args=[run.pk])).status_code == 403  # staff
    client.force_login(manager)
    response = client.post(reverse("import_give", args=[run.pk]))
    again = ImportRun.objects.latest("pk")
    assert (
        response.url == reverse("import_detail", args=[again.pk]) and again.on_conflict == "replace"
    )
    jobs.import_file.call(again.pk)
    assert Order.objects.get(external_id="X1").party.display_name == "Bo"


def test_a_source_named_on_the_page_is_kept_and_shown(client, teammate, two_files):
    first, _ = two_files
    client.force_login(teammate)
    with first.open("rb") as upload:
        client.post(reverse("import"), {"file": upload, "source": "카페24 본점"})
    run = ImportRun.objects.get()
    jobs.import_file.call(run.pk)
    assert set(Order.objects.values_list("source", flat=True)) == {"카페24 본점"}
    assert (
        "source: 카페24 본점"
        in client.get(reverse("import_detail", args=[run.pk])).content.decode()
    )
    assert "카페24 본점" in client.get(reverse("import")).content.decode()  # offered next time


def test_the_cli_reports_conflicts_and_takes_a_choice(two_files, capsys):
    first, second = two_files
    main(["import", str(first)])
    main(["import", str(second)])
    assert "belong to other people" in capsys.readouterr().out
    main(["import", str(second), "--on-conflict", "replace"])
    assert Order.objects.get(external_id="X1").party.display_name == "Bo"


def test_a_file_that_names_people_by_name_only_keeps_its_orders_on_reimport(write_csv):
    rows = [["Order ID", "Date", "Name", "Amount"], ["N1", "2024-01-01", "Ann", "100"],
            ["N2", "2024-01-02", "Bo", "200"]]  # fmt: skip
    path = write_csv("names.csv", rows)
    do_import_file(path)
    parties = Party.objects.count()
    again = do_import_file(path)
    assert (again.orders_unchanged, again.orders_conflicting, again.parties_created) == (2, 0, 0)
    assert Party.objects.count() == parties


def test_a_conflicting_order_creates_nobody(two_files):
    first, second = two_files
    do_import_file(first)
    before = Party.objects.count()
    report = do_import_file(second)
    # Bo is new and gets a party for his own order X3; X1 stays Ann's, creating nobody.
    assert report.parties_created == 1 and Party.objects.count() == before + 1


def test_each_new_party_has_a_timeline_entry_naming_its_file_and_row(write_csv):
    path = write_csv(
        "shop \"quoted\" 가게.csv",
        [HEADER, ["Y1", "2024-01-01", "Ann", "ann@example.com", "100"],
         ["Y2", "2024-01-02", "홍길동", "hong@example.com", "200"]],
    )  # fmt: skip
    report = do_import_file(path)
    entries = Activity.objects.filter(verb="party.created").order_by("party__display_name")
    assert [(e.party.display_name, e.data) for e in entries] == [
        ("Ann", {"file": path.name, "row": 2, "source": report.source, "import": report.run_id}),
        ("홍길동", {"file": path.name, "row": 3, "source": report.source, "import": report.run_id}),
    ]


def test_a_customer_back_after_the_key_cache_was_emptied_is_the_same_party(
    write_csv, settings, monkeypatch
):
    # The resolver forgets its keys past (here) 4, between batches of 2 rows: a customer
    # who comes back later is found in the database again, never made a second party.
    monkeypatch.setattr("patron.parties.resolve._KNOWN_LIMIT", 4)
    settings.PATRON_IMPORT_BATCH_ROWS = 2
    people = [(f"P{n}", f"p{n}@example.com") for n in range(8)]
    visits = [*people, people[0], *people[5:], people[0], people[3]]
    rows = [HEADER] + [
        [f"Z{i}", "2024-01-01", name, email, "100"] for i, (name, email) in enumerate(visits)
    ]
    report = do_import_file(write_csv("visits.csv", rows))
    assert (report.orders_created, report.parties_created) == (len(visits), 8)
    assert Party.objects.count() == 8
    assert Order.objects.filter(party__email="p0@example.com").count() == 3
