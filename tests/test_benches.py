"""Every bench that runs in Patron's own virtualenv runs at a smoke size, so none rots: a
change that breaks a bench (a column renamed, a setting added) fails here, not on the day
someone measures. The figures are not checked: benches measure, tests check behaviour.
(bench/import_throughput.py needs the `bench` extra and bench/fit_speed.py a virtualenv of
its own: `make bench`, `make bench-fit`.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "bench"

pytestmark = pytest.mark.processes  # each runs its own databases, SQLite and PostgreSQL


@pytest.mark.parametrize(
    ("script", "arguments", "says"),
    [
        ("plan_and_queue.py", ["--parties", "1000"], "ratio to the floor"),
        ("delivery.py", ["--messages", "100"], "one worker vs bare"),
        ("segments.py", ["--parties", "5000"], "ratio to the floor"),
        ("score_end_to_end.py", ["--parties", "2000", "--only", "sqlite"], "ratio:"),
        ("hostile_inputs.py", ["--megabytes", "1"], "goal:"),
        ("ledger.py", ["--operations", "200"], "ratio to the floor"),
        ("recommend_quality.py", ["--smoke"], "model beats popularity:"),
        ("recommend_speed.py", ["--smoke"], "ratio to the baseline"),
    ],
)
def test_the_bench_runs_at_a_smoke_size(script, arguments, says, tmp_path):
    result = subprocess.run(
        [sys.executable, script, *arguments],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert says in result.stdout
