"""Hostile files get a clear refusal or a bounded import: run in a process of their own with a
hard memory limit, they end cleanly, never killed by it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests import hostile
from tests.processes import env, patron

MEMORY_LIMIT = 1024 * 1024 * 1024  # address space; Patron's own RSS must stay under 512 MB
RESIDENT_LIMIT_KB = 512 * 1024

IMPORT = """
import json, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
os.environ["DJANGO_SETTINGS_MODULE"] = "patron.settings"
import django; django.setup()
from pathlib import Path
from patron.commerce.imports import ImportRejected, do_import_file
try:
    report = do_import_file(Path({path!r}))
    result = {{"rows": report.rows, "rejected": report.rejected_rows}}
except ImportRejected as exc:
    result = {{"refused": exc.code}}
# The process's own peak (VmHWM): getrusage's ru_maxrss carries the peak of the process it
# was forked from (the test run's own, hundreds of MB after a big import test) across exec.
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
result["max_rss_kb"] = int(peak.split()[1])
print(json.dumps(result))
"""


def _import_limited(data_dir, path) -> dict:
    code = IMPORT.format(limit=MEMORY_LIMIT, path=str(path))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env(data_dir), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def data_dir(tmp_path):
    patron(tmp_path / "data", "migrate", "-v0")
    return tmp_path / "data"


@pytest.mark.processes
def test_a_header_of_80000_columns_is_refused_at_once(data_dir, tmp_path):
    result = _import_limited(data_dir, hostile.wide_header(tmp_path / "wide.csv"))
    assert result["refused"] == "file.too_many_columns"
    assert result["max_rss_kb"] < RESIDENT_LIMIT_KB


@pytest.mark.processes
@pytest.mark.slow
def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked(data_dir, tmp_path):
    result = _import_limited(data_dir, hostile.shared_strings_bomb(tmp_path / "bomb.xlsx"))
    assert result["refused"] == "file.zip_bomb"
    assert result["max_rss_kb"] < RESIDENT_LIMIT_KB


@pytest.mark.processes
@pytest.mark.slow
def test_a_file_whose_every_row_is_rejected_keeps_memory_and_the_report_bounded(data_dir, tmp_path):
    result = _import_limited(data_dir, hostile.all_rejected(tmp_path / "bad.csv", megabytes=30))
    assert result["rows"] == result["rejected"] > 500_000
    assert result["max_rss_kb"] < RESIDENT_LIMIT_KB
    kept = patron(
        data_dir,
        "shell",
        "-c",
        "from patron.commerce.models import RejectedRow; print(RejectedRow.objects.count())",
    )
    assert kept.stdout.strip().splitlines()[-1] == "10000"
