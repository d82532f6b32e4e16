"""Smaller promises of issue 7: honest encodings, no server paths in messages, a supervisor
that restarts the worker, no proxy header trusted by default, a degenerate fit refused."""

from __future__ import annotations

import sys
import time
import zipfile

import pytest

from patron.commerce.imports import ImportRejected, do_import_file
from patron.parties.models import Party

pytestmark = pytest.mark.django_db


def test_nul_bytes_in_a_utf8_file_do_not_make_it_utf16(tmp_path):
    path = tmp_path / "nul.csv"
    text = "Order ID,Date,Name,Amount\n1,2024-01-01,홍길동,100\n"
    path.write_bytes(text.encode("utf-8").replace(b"\n1,", b"\x00" * 80 + b"\n1,", 1))
    report = do_import_file(path)
    assert report.encoding == "utf-8" and report.warnings == []
    assert Party.objects.get().display_name == "홍길동"


def test_a_guessed_encoding_is_said_and_a_chosen_one_is_used(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("Order ID,Date,Name,Amount\n1,2024-01-01,Zoë Müller,100\n".encode("cp1252"))
    report = do_import_file(path, dry_run=True)
    assert report.warnings[0]["code"] == "import.encoding_guessed"
    chosen = do_import_file(path, encoding="cp1252")
    assert chosen.encoding == "cp1252" and chosen.warnings == []
    assert Party.objects.get().display_name == "Zoë Müller"


def test_an_unknown_encoding_is_refused_clearly(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Order ID,Date,Name,Amount\n1,2024-01-01,A,1\n", "utf-8")
    with pytest.raises(ImportRejected, match="not a text encoding Patron knows"):
        do_import_file(path, encoding="klingon-8")


def test_the_wrong_encoding_chosen_is_named_not_blamed_on_the_columns(tmp_path):
    path = tmp_path / "주문.csv"
    path.write_bytes(
        "주문번호,주문일,주문자명,결제금액\nA-1,2024-01-01,홍길동,1000\n".encode("cp949")
    )
    with pytest.raises(ImportRejected) as refused:
        do_import_file(path, encoding="utf-8")
    assert refused.value.code == "file.wrong_encoding"
    assert refused.value.params == {"encoding": "utf-8", "detected": "cp949"}
    assert "does not read as utf-8" in str(refused.value) and "cp949" in str(refused.value)
    assert do_import_file(path, encoding="cp949").orders_created == 1


def test_a_broken_workbook_is_refused_without_the_servers_path(tmp_path):
    path = tmp_path / "deep" / "uploads" / "orders.xlsx"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-xml")
    with pytest.raises(ImportRejected) as refused:
        do_import_file(path)
    assert str(tmp_path) not in str(refused.value)


def test_the_proxy_header_is_not_trusted_unless_asked(settings):
    import patron.settings as configured

    assert getattr(configured, "SECURE_PROXY_SSL_HEADER", None) is None


def test_the_supervisor_starts_a_worker_that_stops_again():
    from patron.worker import Supervisor

    supervisor = Supervisor(command=[sys.executable, "-c", "raise SystemExit(3)"])
    supervisor.start()
    deadline = time.monotonic() + 20
    while supervisor.restarts < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    supervisor.stop()
    assert supervisor.restarts >= 2


def test_a_fit_on_data_that_pins_nothing_down_is_refused_and_says_why(write_csv):
    from patron.insight.models import ScoringRun
    from patron.insight.scoring import ScoringFailed, do_score

    # Every party bought on the same seven days: no difference between them to learn from.
    rows = [["Order ID", "Date", "Name", "Email", "Amount"]]
    for person in range(60):
        for week in range(7):
            rows.append([f"{person}-{week}", f"2024-01-{1 + week * 3:02d}", f"P{person}",
                         f"p{person}@example.com", "100"])  # fmt: skip
    do_import_file(write_csv("same.csv", rows))
    with pytest.raises(ScoringFailed, match="did not settle"):
        do_score()
    run = ScoringRun.objects.get()
    assert run.status == "failed" and run.problem["code"] == "score.not_converged"


def test_stopping_patron_stops_its_worker_at_once_and_starts_no_other(tmp_path):
    """The worker runs in a session of its own (a terminal's Ctrl+C reaches `patron serve`,
    not the worker, which is then stopped once, not restarted during the shutdown)."""
    import os

    from patron.worker import Supervisor

    started = tmp_path / "started"
    script = (
        "import pathlib, signal, sys, time\n"
        f"pathlib.Path({str(started)!r}).open('a').write('x')\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n"
        "time.sleep(60)\n"
    )
    supervisor = Supervisor(command=[sys.executable, "-c", script])
    supervisor.start()
    deadline = time.monotonic() + 20
    while not (started.exists() and started.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.getpgid(supervisor.process.pid) != os.getpgid(os.getpid())
    began = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - began < 5
    time.sleep(1.5)  # long enough for a restart, had there been one
    assert started.read_text() == "x" and supervisor.restarts == 0
