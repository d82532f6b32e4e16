"""A scoring run end to end against its floor: a bare read of the columns it needs.

    python bench/score_end_to_end.py [--parties 1000000]

For SQLite (in this process) and then PostgreSQL (the same script in a process of its own,
with DATABASE_URL set; skipped with a notice when PostgreSQL does not answer), a fresh
database gets N parties and ~2.6N orders (a BG/NBD purchase process over three years), and
then, in one process:
  * the floor: a bare read of every order's party, time, amount and status, as the database
    driver returns them (`SELECT party_id, occurred_at, amount, status FROM commerce_order`);
  * `do_score()`: the read and grouping of the orders, the holdout check, the fits, every
    party's predictions, stages and propensity, and the writing of the scores.
Goal: the whole run within 3x the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
ORDER_COLUMNS = [
    "source",
    "external_id",
    "party_id",
    "occurred_at",
    "status",
    "currency",
    "amount",
    "refunded_amount",
    "discount_amount",
    "discount_code",
    "channel",
    "note",
    "delivery_contact",
    "row_digest",
    "source_row",
]


def build(parties: int, seed: int = 3) -> int:
    """N parties buying by a BG/NBD process over three years, written with insert_rows (the
    importer's own bulk path: COPY on PostgreSQL)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from patron.analytics import simulate
    from patron.commerce.models import Order
    from patron.core.bulk import adapt, insert_rows
    from patron.parties.models import Party, Relationship
    from patron.parties.resolve import PARTY_COLUMNS

    rng = np.random.default_rng(seed)
    today = timezone.localdate()
    start = dt.datetime.combine(today - dt.timedelta(days=3 * 365), dt.time(3), dt.UTC)
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
    created = adapt(Party, "created_at", start)
    # One adapted time per day: the rows then need no per-row conversion.
    when = {d: adapt(Order, "occurred_at", start + dt.timedelta(days=int(d))) for d in set(days)}
    with transaction.atomic():
        insert_rows(
            Party,
            PARTY_COLUMNS,
            (
                (i, "person", f"Party {i}", f"party{i}", "", "", "", "b2c", created)
                for i in range(1, parties + 1)
            ),
            adapted=True,
        )
        insert_rows(
            Relationship,
            ["party_id", "kind", "inferred_kind", "kind_source", "reasons"],
            ((i, "customer", "", "inferred", "[]") for i in range(1, parties + 1)),
            adapted=True,
        )
        insert_rows(
            Order,
            ORDER_COLUMNS,
            (
                ("bench", f"B{i}", p, when[d], "paid", "KRW", a, 0, 0, "", "web", "", "", "", 0)
                for i, (p, d, a) in enumerate(
                    zip(party.tolist(), days.tolist(), amounts.tolist(), strict=True)
                )
            ),
            adapted=True,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return len(party)


def bare_read() -> tuple[float, int]:
    """Every order's party, time, amount and status, read and dropped: the floor."""
    from django.db import connection

    connection.ensure_connection()
    started = time.perf_counter()
    rows = 0
    cursor = connection.connection.cursor()  # the driver's own (sqlite3, psycopg)
    try:
        cursor.execute("SELECT party_id, occurred_at, amount, status FROM commerce_order")
        while chunk := cursor.fetchmany(65_536):
            rows += len(chunk)
    finally:
        cursor.close()
    return time.perf_counter() - started, rows


def run_one_database(parties: int, directory: Path) -> None:
    os.environ["PATRON_DATA_DIR"] = str(directory)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    if engine == "PostgreSQL":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    orders = build(parties)
    print(
        f"\n== {engine}: {parties:,} parties, {orders:,} orders "
        f"(built in {time.perf_counter() - started:.0f} s) =="
    )

    from patron.insight.scoring import do_score

    bare_read()  # once to warm the caches, as the run will find them
    floor, rows = bare_read()
    steps: dict[str, float] = {}

    def progress(step: str, _done: float) -> None:
        steps[step] = time.perf_counter()

    started = time.perf_counter()
    run = do_score("bgnbd", progress=progress)
    seconds = time.perf_counter() - started
    print(f"floor: bare read of {rows:,} orders (party, time, amount, status)  {floor:6.1f} s")
    print(f"patron score, whole run ({run.parties_scored:,} parties scored)  {seconds:9.1f} s")
    marks = [*steps.items()]
    for (name, at), (_, following) in itertools.pairwise(marks):
        print(f"  {name:<58}{following - at:6.1f} s")
    print(f"ratio: {seconds / floor:.2f}x the floor (goal <= 3x)")


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
        return True
    except Exception as exc:
        print(f"NOTICE: PostgreSQL at {url} does not answer ({exc}); SQLite only.")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        if args.only == "postgresql" or os.environ.get("DATABASE_URL"):
            os.environ.setdefault("DATABASE_URL", args.postgres)
            run_one_database(args.parties, Path(directory))
            return
        os.environ.pop("DATABASE_URL", None)
        if args.only is None and postgres_answers(args.postgres):
            # The PostgreSQL pass after SQLite's, in its own process (one database each).
            later = [sys.executable, __file__, "--parties", str(args.parties)]
            later += ["--only", "postgresql"]
        else:
            later = None
        run_one_database(args.parties, Path(directory))
    if later:
        subprocess.run(later, env=dict(os.environ, DATABASE_URL=args.postgres), check=True)


if __name__ == "__main__":
    main()
