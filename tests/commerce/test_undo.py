"""An import can be undone: the orders it added and the parties only it brought in go; what
was there before stays; the undo is on the timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patron.cli import main
from patron.commerce.imports import ImportRejected, do_import_file
from patron.commerce.models import ImportRun, Order
from patron.commerce.undo import UndoRefused, do_undo_import
from patron.parties.models import Activity, Consent, Party

pytestmark = pytest.mark.django_db

HEADER = ["Order ID", "Date", "Name", "Email", "Accepts Marketing", "Amount"]


def test_undo_removes_what_the_import_added_and_keeps_the_rest(write_csv, owner):
    first = write_csv(
        "first.csv", [HEADER, ["A1", "2024-01-01", "Ann", "ann@example.com", "", "100"]]
    )
    do_import_file(first)
    second = write_csv(
        "second.csv",
        [
            HEADER,
            ["A1", "2024-01-01", "Ann", "ann@example.com", "", "150"],  # updates Ann's order
            ["A2", "2024-02-01", "Ann", "ann@example.com", "yes", "200"],  # Ann's new order
            ["B1", "2024-02-02", "Bo", "bo@example.com", "yes", "300"],  # a new person
        ],
    )
    report = do_import_file(second)
    run = ImportRun.objects.get(pk=report.run_id)
    counts = do_undo_import(run, actor=owner)
    assert (counts["orders_removed"], counts["parties_removed"]) == (2, 1)
    assert counts["orders_left_updated"] == 1
    assert list(Order.objects.values_list("external_id", flat=True)) == ["A1"]
    assert list(Party.objects.values_list("display_name", flat=True)) == ["Ann"]
    assert not Consent.objects.exists()  # the consent the file recorded went with it
    ann = Party.objects.get()
    entry = Activity.objects.get(party=ann, verb="import.undone")
    assert entry.actor == owner and entry.data["file"] == "second.csv"
    run.refresh_from_db()
    assert run.undone_by == owner and run.summary["undone"]["orders_removed"] == 2
    with pytest.raises(UndoRefused, match="undone already"):
        do_undo_import(run, actor=owner)


def test_a_preview_or_a_running_import_cannot_be_undone(write_csv, owner):
    path = write_csv("x.csv", [HEADER, ["A1", "2024-01-01", "Ann", "a@example.com", "", "1"]])
    preview = ImportRun.objects.get(pk=do_import_file(path, dry_run=True).run_id)
    with pytest.raises(UndoRefused, match="kept nothing"):
        do_undo_import(preview, actor=owner)
    running = ImportRun.objects.create(file_name="y.csv", status="running")
    with pytest.raises(UndoRefused, match="still running"):
        do_undo_import(running, actor=owner)


def test_an_import_failed_halfway_is_undone_from_its_page(
    client, manager, teammate, tmp_path, settings
):
    settings.PATRON_IMPORT_BATCH_ROWS = 10
    path = tmp_path / "broken.csv"
    lines = ["Order ID,Date,Name,Email,Amount"]
    lines += [f"O{i},2024-01-01,P{i},p{i}@example.com,100" for i in range(30)]
    # An unclosed quote swallows the rest of the file into one field, past the field limit.
    broken = 'O99,2024-01-01,"unclosed\n' + "x" * 1_100_000 + "\n"
    path.write_text("\n".join(lines) + "\n" + broken, "utf-8")
    with pytest.raises(ImportRejected, match="cannot be read"):
        do_import_file(path)
    run = ImportRun.objects.get()
    # Whole batches only: the third batch was being read when the file broke.
    assert run.status == "failed" and Order.objects.count() == 20
    assert run.problem["code"] == "file.row_unreadable" and run.summary["last_row_kept"] == 21
    client.force_login(teammate)
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "20 new orders, from the rows up to row 21" in page
    assert "Undo this import" not in page  # staff may not
    client.force_login(manager)
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "or undo this import" in page and "Undo this import" in page
    from patron import jobs

    assert client.post(reverse("import_undo", args=[run.pk])).status_code == 302
    jobs.undo_import.call(run.pk, manager.pk)
    assert Order.objects.count() == 0 and Party.objects.count() == 0
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "Undone on" in page and "20 orders and 20 parties" in page


def test_the_cli_undoes_an_import(write_csv, capsys):
    path = write_csv("x.csv", [HEADER, ["A1", "2024-01-01", "Ann", "a@example.com", "", "1"]])
    run_id = do_import_file(path).run_id
    assert main(["undo-import", str(run_id)]) == 0
    assert "1 orders, 0 bookings and 1 parties removed" in capsys.readouterr().out
    assert main(["undo-import", str(run_id)]) == 1


def test_an_undone_import_cannot_be_run_again_or_undone_twice(write_csv, owner, manager):
    from patron import jobs

    path = write_csv("x.csv", [HEADER, ["A1", "2024-01-01", "Ann", "a@example.com", "", "1"]])
    run = ImportRun.objects.get(pk=do_import_file(path).run_id)
    ImportRun.objects.filter(pk=run.pk).update(status="interrupted")
    run.refresh_from_db()
    jobs.undo_import_later(run, user=manager)  # claimed at once, queued
    run.refresh_from_db()
    with pytest.raises(jobs.JobRefused):
        jobs.resume_import(run)  # an undo is under way
    with pytest.raises(UndoRefused, match="being undone"):
        jobs.undo_import_later(run, user=manager)
    jobs.undo_import.call(run.pk, manager.pk)
    run.refresh_from_db()
    assert run.undone_at is not None and Order.objects.count() == 0
    with pytest.raises(jobs.JobRefused):
        jobs.resume_import(run)


def test_an_undo_keeps_the_parties_a_person_has_worked_on(write_csv, owner):
    from patron.parties.services import do_set_relationship

    rows = [HEADER, ["A1", "2024-01-01", "Ann", "a@example.com", "yes", "1"],
            ["B1", "2024-01-01", "Bo", "b@example.com", "yes", "1"]]  # fmt: skip
    # Imported by a person (the page's way): the import's own timeline entries name them too.
    path = write_csv("x.csv", rows)
    run = ImportRun.objects.get(pk=do_import_file(path, user=owner).run_id)
    do_set_relationship(Party.objects.get(display_name="Ann"), actor=owner, kind="client")
    counts = do_undo_import(run, actor=owner)
    assert counts["parties_removed"] == 1
    assert list(Party.objects.values_list("display_name", flat=True)) == ["Ann"]
