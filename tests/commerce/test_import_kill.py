"""kill -9 during an import, then a re-run, ends in the same state as one clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.exports import write_orders
from tests.processes import committed_orders, env, patron, state

ROWS = 30_000


def _write_export(path: Path) -> None:
    write_orders(path, ROWS)


@pytest.mark.slow
@pytest.mark.processes
def test_kill_mid_import_then_rerun_equals_clean_run(tmp_path):
    export = tmp_path / "orders.csv"
    _write_export(export)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for data_dir in (clean, killed):
        patron(data_dir, "migrate", "-v0")
    patron(clean, "import", str(export))

    process = subprocess.Popen(
        [sys.executable, "-m", "patron.cli", "import", str(export)],
        env=env(killed),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while committed_orders(killed) < 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    interrupted = committed_orders(killed)
    assert 0 < interrupted < ROWS, "the kill must land mid-file"
    assert interrupted % 500 == 0, "only whole batches are ever committed"

    patron(killed, "import", str(export))
    assert state(killed) == state(clean)
