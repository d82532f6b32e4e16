"""Running Patron in processes of its own, on a data directory of its own, for the tests that
kill processes: a SQLite file each, whatever database the rest of the suite uses."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def env(data_dir: Path, batch_rows: int = 500) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(PATRON_DATA_DIR=str(data_dir), PATRON_IMPORT_BATCH_ROWS=str(batch_rows))
    return environment


def patron(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "patron.cli", *args],
        env=env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def start(data_dir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "patron.cli", *args],
        env=env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def python(data_dir: Path, code: str) -> str:
    """Run Python with Django set up on the data directory; returns what it printed."""
    prelude = "import django, os\nos.environ['DJANGO_SETTINGS_MODULE']='patron.settings'\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + "django.setup()\n" + code],
        env=env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout.strip()


def state(data_dir: Path) -> tuple:
    """Everything an import writes, comparable between two data directories."""
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


def committed_orders(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "patron.sqlite3", timeout=1) as db:
            return db.execute("select count(*) from commerce_order").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
