"""Hostile files against normal files of the same size: time and peak memory.

    python bench/hostile_inputs.py [--megabytes 100]

Each import runs in a fresh process on a fresh SQLite database (so its peak resident memory is
its own), and is compared with a well-formed file of about the same size. The files:
  * a wide header: 80,000 columns in a 0.55 MB CSV (was: quadratic, 58.6 s);
  * a shared-strings bomb: a workbook whose shared strings unpack to ~600 MB (was: 3.19 GB);
  * a file whose every row is rejected, --megabytes large (was: 1.63 GB);
  * the rejected-rows download of that import (was: 1.86 GB in a web worker).
Goal (issue 7): each at most 2x the time and memory of its normal file, never above 512 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402  (the same generators the tests use)

IMPORT = """
import json, os, resource, time
os.environ["DJANGO_SETTINGS_MODULE"] = "patron.settings"
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pathlib import Path
from patron.commerce.imports import ImportRejected, do_import_file
started = time.monotonic()
try:
    report = do_import_file(Path({path!r}))
    outcome = "{{:,}} rows, {{:,}} rejected".format(report.rows, report.rejected_rows)
    run = report.run_id
except ImportRejected as exc:
    outcome, run = "refused: " + exc.code, None
seconds = time.monotonic() - started
if {download} and run:
    from django.test import Client
    from django.contrib.auth.models import User
    from patron.accounts.services import do_add_member
    user, _ = do_add_member("bench", role="staff", password="bench-password-123")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    started = time.monotonic()
    response = client.get("/imports/%d/rejected.csv" % run, secure=True)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.monotonic() - started
    outcome = "{{:,}} bytes of CSV".format(size)
print(json.dumps({{"seconds": seconds, "outcome": outcome,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(path: Path, download: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["PATRON_DATA_DIR"] = data
        code = IMPORT.format(path=str(path), download=download)
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


def xlsx_of_orders(path: Path, megabytes: float) -> Path:
    """A normal workbook of about the given file size."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Order ID", "Date", "Name", "Email", "Amount"])
    rows = int(megabytes * 1_000_000 / 38)  # about 38 compressed bytes a row
    for i in range(rows):
        sheet.append([f"O{i}", "2024-03-05 10:00", f"고객{i % 5000}", f"c{i % 5000}@ex.com", 12000])
    workbook.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=100, help="size of the all-rejected file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        wide = hostile.wide_header(tmp / "wide.csv")
        bomb = hostile.shared_strings_bomb(tmp / "bomb.xlsx", expanded_mb=600, repeat=17)
        rejected = hostile.all_rejected(tmp / "rejected.csv", megabytes=args.megabytes)
        cases = [
            ("wide header", wide, hostile.normal_orders(tmp / "n1.csv", 1), False),
            (
                "shared-strings bomb",
                bomb,
                xlsx_of_orders(tmp / "n2.xlsx", bomb.stat().st_size / 1e6),
                False,
            ),
            (
                "every row rejected",
                rejected,
                hostile.normal_orders(tmp / "n3.csv", args.megabytes),
                False,
            ),
            ("its rejected-rows download", rejected, None, True),
        ]
        columns = f"{'file':<28} {'size':>9} {'seconds':>9} {'peak MB':>8}"
        print(columns + "   vs normal: time  memory   outcome")
        normal_download = None
        for name, path, normal, download in cases:
            result = measure(path, download=download)
            baseline = measure(normal) if normal else normal_download
            if normal and name == "every row rejected":
                normal_download = baseline
            time_ratio = result["seconds"] / max(baseline["seconds"], 1e-3)
            memory_ratio = result["peak_mb"] / baseline["peak_mb"]
            print(
                f"{name:<28} {path.stat().st_size / 1e6:>7.1f}MB {result['seconds']:>9.2f} "
                f"{result['peak_mb']:>8.0f}   {time_ratio:>14.2f}x {memory_ratio:>6.2f}x   "
                f"{result['outcome']}"
            )
            sys.stdout.flush()
    print("goal: each at most 2x its normal file's time and memory, and never above 512 MB")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"(bench took {time.monotonic() - started:.0f} s)")
