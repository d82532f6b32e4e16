"""kill -9 during an import, then a re-run, ends in the same state as one clean run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.exports import write_orders

ROWS = 30_000


def _write_export(path: Path) -> None:
    write_orders(path, ROWS)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PATRON_DATA_DIR=str(data_dir), PATRON_IMPORT_BATCH_ROWS="500")
    return env


def _patron(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "patron.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def _state(data_dir: Path) -> tuple:
    with sqlite3.connect(data_dir / "patron.sqlite3") as db:
        orders = db.execute(
            "select o.external_id, o.row_digest, o.status, o.amount, p.name_key "
            "from commerce_order o join parties_party p on p.id = o.party_id order by 1"
        ).fetchall()
        counts = [
            db.execute(f"select count(*) from {table}").fetchone()[0]
            for table in (
                "parties_party",
                "commerce_orderline",
                "parties_contactpoint",
                "parties_relationship",
                "commerce_offering",
            )
        ]
    return orders, counts


def _committed_orders(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "patron.sqlite3", timeout=1) as db:
            return db.execute("select count(*) from commerce_order").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_kill_mid_import_then_rerun_equals_clean_run(tmp_path):
    export = tmp_path / "orders.csv"
    _write_export(export)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for data_dir in (clean, killed):
        _patron(data_dir, "migrate", "-v0")
    _patron(clean, "import", str(export))

    process = subprocess.Popen(
        [sys.executable, "-m", "patron.cli", "import", str(export)],
        env=_env(killed),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _committed_orders(killed) < 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    interrupted = _committed_orders(killed)
    assert 0 < interrupted < ROWS, "the kill must land mid-file"
    assert interrupted % 500 == 0, "only whole batches are ever committed"

    _patron(killed, "import", str(export))
    assert _state(killed) == _state(clean)
