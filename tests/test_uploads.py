"""Uploads take no more disk than they must: refused and oversized files leave nothing
behind, and what is kept for later is swept away when nobody needs it."""

from __future__ import annotations

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from patron import jobs
from patron.commerce.models import ImportRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_uploads(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _stored() -> list[str]:
    return sorted(path.name for path in jobs.upload_dir().iterdir())


def test_a_refused_upload_leaves_no_file_behind(client, teammate):
    client.force_login(teammate)
    client.post(reverse("import"), {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    run = ImportRun.objects.get()
    assert len(_stored()) == 1
    jobs.import_file.call(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and _stored() == []


def test_an_oversized_upload_is_refused_before_it_reaches_the_disk(client, teammate, settings):
    settings.PATRON_IMPORT_MAX_BYTES = 10_000
    client.force_login(teammate)
    big = SimpleUploadedFile(
        "big.csv", b"Order ID,Date,Name,Amount\n" + b"1,2024-01-01,A,1\n" * 5000
    )
    response = client.post(reverse("import"), {"file": big})
    assert response.status_code == 413
    assert (
        "the limit is 0.0 MB" in response.content.decode()
        or "limit is" in response.content.decode()
    )
    assert _stored() == [] and not ImportRun.objects.exists()


def test_a_file_that_only_needs_its_columns_named_is_kept_for_a_second_try(client, teammate):
    client.force_login(teammate)
    odd = SimpleUploadedFile("odd.csv", b"Ref,When,Who,Paid\nX1,2024-01-01,Ann,5000\n")
    client.post(reverse("import"), {"file": odd})
    jobs.import_file.call(ImportRun.objects.get().pk)
    assert len(_stored()) == 1


def test_old_uploads_are_swept_unless_an_import_waits_for_them(settings):
    settings.PATRON_UPLOAD_KEEP_HOURS = 1
    directory = jobs.upload_dir()
    waiting = jobs.store_upload(iter([b"a,b\n"]), "waiting.csv")
    old = jobs.store_upload(iter([b"c,d\n"]), "old.csv")
    fresh = jobs.store_upload(iter([b"e,f\n"]), "fresh.csv")
    (directory / "incoming-123-abc").write_bytes(b"half an upload")
    two_hours_ago = time.time() - 7200
    for name in (waiting, old, "incoming-123-abc"):
        os.utime(directory / name, (two_hours_ago, two_hours_ago))
    ImportRun.objects.create(file_name="waiting.csv", upload=waiting, status="queued")
    assert jobs.purge_uploads() == 2
    assert _stored() == sorted([waiting, fresh])


def test_the_page_asks_which_column_is_which_and_imports_with_the_answer(client, teammate):
    client.force_login(teammate)
    odd = SimpleUploadedFile("odd.csv", b"Ref,When,Who,Paid\nX1,2024-01-01,Ann,5000\n")
    client.post(reverse("import"), {"file": odd})
    run = ImportRun.objects.get()
    jobs.import_file.call(run.pk)
    page = client.get(reverse("import_detail", args=[run.pk])).content.decode()
    assert "Say which column is which" in page and "--map" in page  # the CLI's way is named too
    response = client.post(
        reverse("import_columns", args=[run.pk]),
        {"c0": "order_id", "c1": "occurred_at", "c2": "name", "c3": "total"},
    )
    again = ImportRun.objects.latest("pk")
    assert response.url == reverse("import_detail", args=[again.pk])
    assert again.mapping == {
        "Ref": "order_id",
        "When": "occurred_at",
        "Who": "name",
        "Paid": "total",
    }
    jobs.import_file.call(again.pk)
    from patron.commerce.models import Order

    assert Order.objects.get().external_id == "X1" and Order.objects.get().amount == 5000


def test_a_meaning_given_to_two_columns_is_refused(client, teammate):
    client.force_login(teammate)
    odd = SimpleUploadedFile("odd.csv", b"Ref,When,Who,Paid\nX1,2024-01-01,Ann,5000\n")
    client.post(reverse("import"), {"file": odd})
    run = ImportRun.objects.get()
    jobs.import_file.call(run.pk)
    response = client.post(
        reverse("import_columns", args=[run.pk]), {"c0": "total", "c3": "total"}, follow=True
    )
    assert "one column only" in response.content.decode() and ImportRun.objects.count() == 1


def test_a_file_sent_anywhere_but_the_import_page_is_never_written(
    client, teammate, settings, monkeypatch
):
    """The public sign-up form takes no login: a file posted there (or to any other form)
    must not reach the handler that writes files to disk, however large."""
    written = []
    spool = TemporaryFileUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        TemporaryFileUploadHandler,
        "receive_data_chunk",
        lambda self, data, start: written.append(len(data)) or spool(self, data, start),
    )
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000  # a file past this goes to a file on disk
    junk = b"x" * 200_000
    answer = client.post(
        reverse("subscribe"),
        {"email": "a@example.com", "file": SimpleUploadedFile("junk.bin", junk)},
    )
    assert answer.status_code < 500
    client.force_login(teammate)
    answer = client.post(reverse("today"), {"file": SimpleUploadedFile("junk.bin", junk)})
    assert answer.status_code < 500
    assert written == [] and _stored() == []
    # The import page, for someone who may import, still takes a file.
    odd = SimpleUploadedFile("odd.csv", b"Ref,When,Who,Paid\nX1,2024-01-01,Ann,5000\n" * 100)
    client.post(reverse("import"), {"file": odd})
    assert sum(written) > 1_000 and ImportRun.objects.count() == 1 and len(_stored()) == 1
