"""The fault suite: killed processes, a database held busy by another process. Each ends with
the app answering, every job in an honest state, and nothing lost or doubled after a resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from patron.parties.models import Party, Relationship
from tests.exports import write_orders
from tests.processes import committed_orders, env, patron, python, start, state

BUSY_SECONDS = 45  # longer than the background work's 30-second busy timeout


class _HeldLock:
    """Another process's long write: the database's write lock held for a while."""

    def __init__(self, settings_dict: dict) -> None:
        self.settings = settings_dict
        self.release = threading.Event()
        self.held = threading.Event()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        assert self.held.wait(10)
        return self

    def _hold(self) -> None:
        if self.settings["ENGINE"].endswith("sqlite3"):
            db = sqlite3.connect(self.settings["NAME"], isolation_level=None, timeout=0)
            _begin_between_batches(db)
            self.held.set()
            self.release.wait(120)
            db.execute("ROLLBACK")
            db.close()
        else:
            import psycopg

            s = self.settings
            with psycopg.connect(
                host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"]
            ) as db:
                db.execute("SELECT id FROM parties_relationship FOR UPDATE")
                self.held.set()
                self.release.wait(120)
                db.rollback()

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(30)


def _begin_between_batches(db: sqlite3.Connection) -> None:
    """The write lock, taken in a gap between an import's batches: SQLite's own busy wait
    sleeps up to 100 ms between tries, and a batch that follows its predecessor within
    milliseconds would win every time, to the end of the import."""
    deadline = time.monotonic() + 10
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.0005)


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_answers_503_quickly_and_reads_go_on(client, owner, write_csv):
    from patron.commerce.imports import do_import_file

    do_import_file(
        write_csv(
            "a.csv",
            [
                ["Order ID", "Date", "Name", "Email", "Amount"],
                ["1", "2024-01-01", "Ann", "a@example.com", "100"],
            ],
        )
    )
    party = Party.objects.get()
    client.force_login(owner)
    # The web's short wait (patron serve sets it; 1 s here), not the worker's 30 s.
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved = dict(options)
    if connection.vendor == "sqlite":
        options["timeout"] = 1
    else:
        options["options"] = "-c lock_timeout=1000"
    connection.close()
    try:
        with _HeldLock(connection.settings_dict):
            started = time.monotonic()
            response = client.post(
                reverse("party_relationship", args=[party.pk]), {"kind": "client"}
            )
            assert response.status_code == 503 and response["Retry-After"] == "10"
            assert "try again" in response.content.decode()
            assert time.monotonic() - started < 10
            assert client.get(reverse("party", args=[party.pk])).status_code == 200
        response = client.post(reverse("party_relationship", args=[party.pk]), {"kind": "client"})
        assert response.status_code == 302
        assert Relationship.objects.get(party=party).kind == "client"
    finally:
        options.clear()
        options.update(saved)
        connection.close()


@pytest.mark.slow
@pytest.mark.processes
def test_an_import_waits_out_a_database_held_busy_and_ends_complete(tmp_path):
    export = write_orders(tmp_path / "orders.csv", 20_000)
    clean, busy = tmp_path / "clean", tmp_path / "busy"
    for data_dir in (clean, busy):
        patron(data_dir, "migrate", "-v0")
    patron(clean, "import", str(export))
    importer = start(busy, "import", str(export))
    deadline = time.monotonic() + 60
    while committed_orders(busy) < 1000 and time.monotonic() < deadline:
        time.sleep(0.05)
    with _HeldLock({"ENGINE": "sqlite3", "NAME": str(busy / "patron.sqlite3")}):
        time.sleep(BUSY_SECONDS)
        held_at = committed_orders(busy)
        assert importer.poll() is None, "the import gave up while the database was busy"
    assert importer.wait(timeout=300) == 0
    assert 0 < held_at < 20_000
    assert state(busy) == state(clean)


QUEUE_REFRESHES = """
from patron import jobs
for _ in range(3):
    jobs.refresh_parties.enqueue()
"""
RUNS = """
import json
from django_tasks_db.models import DBTaskResult
from patron.insight.models import ScoringRun
print(json.dumps({
    "runs": [[r.status, (r.problem or {}).get("code")] for r in ScoringRun.objects.order_by("pk")],
    "tasks": sorted(
        t.status for t in DBTaskResult.objects.filter(task_path__endswith="refresh_parties")
    ),
    "others": sorted(
        t.status
        for t in DBTaskResult.objects.exclude(task_path__endswith="refresh_parties")
    ),
}))
"""


@pytest.mark.slow
@pytest.mark.processes
def test_a_worker_killed_during_scoring_and_a_batch_of_tasks_leaves_nothing_stuck(tmp_path):
    data = tmp_path / "studio"
    patron(data, "migrate", "-v0")
    patron(data, "demo", "--parties", "10000")
    python(data, QUEUE_REFRESHES)
    worker = start(data, "worker")
    deadline = time.monotonic() + 180
    while not _scoring_running(data) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    patron(data, "worker", "--batch")  # a new worker: finds what the dead one left
    result = json.loads(python(data, RUNS))
    assert ["interrupted", "run.interrupted"] in result["runs"]
    assert result["runs"][-1] == ["done", None]
    assert "RUNNING" not in result["tasks"] and "READY" not in result["tasks"]
    assert result["tasks"] == ["SUCCESSFUL"] * 3
    # The worker also queues the day's keep-in-touch plan; it ends too.
    assert set(result["others"]) <= {"SUCCESSFUL"}


def _scoring_running(data_dir) -> bool:
    try:
        with sqlite3.connect(data_dir / "patron.sqlite3", timeout=1) as db:
            found = db.execute("select 1 from insight_scoringrun where status = 'running'")
            return found.fetchone() is not None
    except sqlite3.OperationalError:
        return False


@pytest.mark.slow
@pytest.mark.processes
def test_an_idle_worker_outlives_a_database_held_busy_and_then_works(tmp_path):
    data = tmp_path / "studio"
    patron(data, "migrate", "-v0")
    worker = start(data, "worker")
    time.sleep(3)
    with _HeldLock({"ENGINE": "sqlite3", "NAME": str(data / "patron.sqlite3")}):
        time.sleep(BUSY_SECONDS)
        assert worker.poll() is None, "the worker died while the database was busy"
    export = write_orders(tmp_path / "orders.csv", 2000)
    patron(data, "import", str(export))  # queues the refresh the worker must now run
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "done" not in [
        r[0] for r in json.loads(python(data, RUNS))["runs"]
    ]:
        time.sleep(1)
    worker.terminate()
    worker.wait(timeout=60)
    assert ["done", None] in json.loads(python(data, RUNS))["runs"]


@pytest.mark.slow
@pytest.mark.processes
def test_a_full_disk_mid_import_ends_honestly_and_a_second_run_completes(tmp_path):
    export = write_orders(tmp_path / "orders.csv", 20_000)
    clean, full = tmp_path / "clean", tmp_path / "full"
    for data_dir in (clean, full):
        patron(data_dir, "migrate", "-v0")
    patron(clean, "import", str(export))
    capped = subprocess.run(
        [sys.executable, "-m", "patron.cli", "import", str(export)],
        env={**env(full), "PATRON_SQLITE_MAX_MB": "4"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert capped.returncode == 1
    assert "disk may be full" in capped.stderr and "Traceback" not in capped.stderr
    kept = committed_orders(full)
    assert 0 < kept < 20_000 and kept % 500 == 0  # whole batches only
    run = json.loads(python(full, LAST_IMPORT))
    assert run["status"] in ("failed", "interrupted")  # never "running"
    patron(full, "import", str(export))  # space freed: the same file again finishes it
    assert state(full) == state(clean)


LAST_IMPORT = """
import json
from patron.core.runs import reap_interrupted_runs
from patron.commerce.models import ImportRun
reap_interrupted_runs()
run = ImportRun.objects.order_by("pk").first()
print(json.dumps({"status": run.status, "problem": run.problem}))
"""


@pytest.mark.slow
@pytest.mark.processes
def test_a_preview_of_a_big_file_never_holds_the_write_lock(tmp_path):
    data = tmp_path / "studio"
    patron(data, "migrate", "-v0")
    export = write_orders(tmp_path / "big.csv", 150_000)
    preview = start(data, "import", str(export), "--dry-run")
    writes = 0
    db = sqlite3.connect(data / "patron.sqlite3", timeout=2, isolation_level=None)
    while preview.poll() is None:
        # Someone else's small write, as a page would make: never kept waiting 2 s.
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO core_workerbeat (token, started_at, beat_at) VALUES (?, ?, ?)",
            (f"probe-{writes}", "2026-01-01 00:00:00", "2026-01-01 00:00:00"),
        )
        db.execute("COMMIT")
        writes += 1
        time.sleep(0.1)
    db.close()
    assert preview.returncode == 0 and writes >= 10
    assert committed_orders(data) == 0
