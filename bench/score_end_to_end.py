"""A scoring run end to end against its physical floor, the bare SQL aggregation.

    python bench/score_end_to_end.py [--parties 1000000]

Builds a fresh SQLite database with N parties and ~5N orders (BG/NBD purchase process over
three years, written with executemany so the set-up is quick), then times in this process:
  * the floor: the per-party purchase-day aggregation a run needs, as bare SQL;
  * `do_score()`: that aggregation, the holdout check, the fits, every party's predictions,
    stages and propensity, and the bulk write of the scores.
Goal: the run within 2x the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def build(database: Path, parties: int, seed: int = 3) -> int:
    from patron.analytics import simulate

    rng = np.random.default_rng(seed)
    today = dt.date.today()
    start = today - dt.timedelta(days=3 * 365)
    births = rng.integers(0, 3 * 365 - 1, parties)
    data = simulate(
        "bgnbd",
        {"r": 0.9, "alpha": 12.0, "a": 0.8, "b": 4.0},
        parties,
        T=(3 * 365 - births) / 7.0,
        seed=seed,
    )
    counts = data.frequency.astype(int) + 1
    party = np.repeat(np.arange(1, parties + 1), counts)
    offsets = np.floor(rng.random(len(party)) * np.repeat(data.recency * 7, counts))
    first = np.r_[0, np.cumsum(counts)[:-1]]
    offsets[first] = 0
    days = np.repeat(births, counts) + offsets.astype(int)
    amounts = np.round(rng.gamma(4.0, 9000.0, len(party)), -2)
    db = sqlite3.connect(database)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO parties_party (id, party_type, display_name, name_key, email, phone, "
        "locale, market, created_at) VALUES (?, 'person', ?, ?, '', '', '', 'b2c', ?)",
        ((i, f"Party {i}", f"party{i}", f"{start} 00:00:00") for i in range(1, parties + 1)),
    )
    db.executemany(
        "INSERT INTO parties_relationship (party_id, kind, kind_source, reasons) "
        "VALUES (?, 'customer', 'inferred', '[]')",
        ((i,) for i in range(1, parties + 1)),
    )
    db.executemany(
        "INSERT INTO commerce_order (source, external_id, party_id, occurred_at, status, "
        "currency, amount, refunded_amount, discount_amount, discount_code, channel, note, "
        "row_digest) VALUES ('bench', ?, ?, ?, 'paid', 'KRW', ?, 0, 0, '', 'web', '', '')",
        (
            (f"B{i}", int(p), f"{start + dt.timedelta(days=int(d))} 03:00:00", float(a))
            for i, (p, d, a) in enumerate(zip(party, days, amounts, strict=True))
        ),
    )
    db.execute("COMMIT")
    db.close()
    return len(party)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.environ["PATRON_DATA_DIR"] = directory
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        orders = build(Path(directory) / "patron.sqlite3", args.parties)
        print(
            f"built {args.parties:,} parties and {orders:,} orders in "
            f"{time.perf_counter() - started:.0f} s"
        )

        from django.utils import timezone

        from patron.insight.aggregate import party_days
        from patron.insight.scoring import do_score

        today = timezone.localdate()
        started = time.perf_counter()
        floor = party_days(today, today - dt.timedelta(days=182))
        floor_seconds = time.perf_counter() - started
        steps: dict[str, float] = {}

        def progress(step: str, _done: float) -> None:
            steps[step] = time.perf_counter()

        started = time.perf_counter()
        run = do_score("bgnbd", progress=progress)
        run_seconds = time.perf_counter() - started
        print(
            f"\nfloor (bare SQL aggregation, {len(floor.party_id):,} parties): "
            f"{floor_seconds:.1f} s"
        )
        print(f"patron score ({run.parties_scored:,} parties scored): {run_seconds:.1f} s")
        marks = [("start", started), *steps.items()]
        for (name, at), (_, following) in itertools.pairwise(marks[1:]):
            print(f"  {name:<50}{following - at:6.1f} s")
        print(f"ratio: {run_seconds / floor_seconds:.2f}x the floor (goal <= 2x)")


if __name__ == "__main__":
    main()
