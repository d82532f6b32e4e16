"""The worker killed with SIGKILL during an import from the page: the run shows as
interrupted with what it kept, "run it again" completes it, and the result equals a clean run."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.exports import write_orders
from tests.processes import committed_orders, patron, python, start, state

ROWS = 30_000

QUEUE_IMPORT = """
from pathlib import Path
from patron import jobs
path = Path({path!r})
name = jobs.store_upload(iter([path.read_bytes()]), path.name)
print(jobs.start_import(name, file_name=path.name, user=None).pk)
"""
RUN = """
import json
from patron.commerce.models import ImportRun
from patron.core.runs import reap_interrupted_runs
reap_interrupted_runs()
run = ImportRun.objects.get(pk={pk})
print(json.dumps({{"status": run.status, "problem": run.problem, "summary": run.summary}}))
"""
RESUME = """
from patron import jobs
from patron.commerce.models import ImportRun
jobs.resume_import(ImportRun.objects.get(pk={pk}))
"""


@pytest.mark.slow
@pytest.mark.processes
def test_a_killed_worker_leaves_an_interrupted_run_that_resumes_exactly(tmp_path):
    export = write_orders(tmp_path / "orders.csv", ROWS)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for data_dir in (clean, killed):
        patron(data_dir, "migrate", "-v0")
    patron(clean, "import", str(export))

    run_id = int(python(killed, QUEUE_IMPORT.format(path=str(export))))
    worker = start(killed, "worker")
    deadline = time.monotonic() + 120
    while committed_orders(killed) < 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    kept = committed_orders(killed)
    assert 0 < kept < ROWS, "the kill must land mid-file"

    run = json.loads(python(killed, RUN.format(pk=run_id)))
    assert run["status"] == "interrupted"
    assert run["problem"] == {"code": "run.interrupted"}
    assert run["summary"]["orders_created"] == kept  # what was kept is said
    assert run["summary"]["last_row_kept"] > 1

    python(killed, RESUME.format(pk=run_id))
    patron(killed, "worker", "--batch")
    run = json.loads(python(killed, RUN.format(pk=run_id)))
    assert run["status"] == "done"
    assert state(killed) == state(clean)
