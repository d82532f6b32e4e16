"""Import throughput: Patron's importer against the physical limit and against django-import-export.

    python bench/import_throughput.py [--rows 1000000] [--baseline-rows 20000]
                                      [--memory-rows 2000000]

One process per database (the PostgreSQL pass re-runs this script with DATABASE_URL set, so
each ratio is measured inside one process on the same rows):
  * Patron: `do_import_file` on a generated generic CSV into a fresh database.
  * Patron's tables, bare: the rows that import wrote, written again into the emptied tables
    by the bulk path alone, in the same batches (bench_schema_floor): what the schema itself
    costs the database, the ceiling for any importer of it.
  * raw limit: the same file read with the csv module and inserted as tuples with
    `executemany` in one transaction (SQLite), or `COPY` (PostgreSQL), into a plain table.
  * django-import-export: a ModelResource for the same Order/Party models (what a Django
    developer would write: get-or-create the party by email, then the order), on the first
    --baseline-rows rows (it is too slow for a million), compared by rows per second.
Memory: resident set size sampled as the import passes each tenth of the rows; with
--memory-rows, a second, larger file is imported on SQLite for its memory profile alone.
Goals: >= 0.2x the raw limit on both databases, >= 50x django-import-export, and flat memory
(no growth after the first batches).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["Order ID", "Date", "Name", "Email", "Phone", "Product", "Amount"]
PRODUCTS = ["Print 4x6", "Print A4", "Frame A4", "Photo book", "앨범", "증명사진", "Studio session"]


def generate(path: Path, rows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    parties = max(rows // 5, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            p = rng.randrange(parties)
            writer.writerow(
                [
                    f"B{i:08d}",
                    f"20{22 + i % 3}-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}",
                    f"고객 {p}" if p % 3 else f"Customer {p}",
                    f"c{p}@example.com",
                    f"010-{p // 10000 % 10000:04d}-{p % 10000:04d}",
                    PRODUCTS[i % len(PRODUCTS)],
                    f"{1000 + (i * 37) % 200 * 500:,}",
                ]
            )


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def setup_django(data_dir: Path) -> None:
    os.environ["PATRON_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def wipe(keep_runs: bool = False) -> None:
    """Empty the tables between runs with plain DELETEs (the ORM would load every row first);
    with keep_runs, the import runs and offerings the orders point at stay."""
    from django.db import connection, transaction

    from patron.commerce.models import ImportRun, Offering, Order, OrderLine, RejectedRow
    from patron.parties.models import (
        Activity,
        Consent,
        ContactPoint,
        ExternalRef,
        Party,
        Relationship,
    )

    models = (
        OrderLine,
        Order,
        RejectedRow,
        ImportRun,
        Offering,
        Activity,
        Consent,
        ContactPoint,
        ExternalRef,
        Relationship,
        Party,
    )
    if keep_runs:
        models = tuple(m for m in models if m not in (RejectedRow, ImportRun, Offering))
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE, not DELETE: deleted rows stay in the table until a vacuum, and the
            # baseline's lookups would scan a million dead ones for every row it imports.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            return
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def bench_patron(path: Path, rows: int) -> tuple[float, dict[str, float]]:
    from patron.commerce.imports import do_import_file

    # Sampled as batches finish; the last sample comes before the import schedules its
    # scoring run, which imports scipy and the insight app once (tens of MB of modules).
    marks = {int(rows * tenth / 10): f"{tenth * 10}%" for tenth in range(1, 11)}
    memory: dict[str, float] = {"start": rss_mb()}

    def progress(done: int, _bytes: int) -> None:
        for threshold, label in marks.items():
            if done >= threshold and label not in memory:
                memory[label] = rss_mb()

    started = time.perf_counter()
    report = do_import_file(path, progress=progress)
    seconds = time.perf_counter() - started
    memory["after (modules loaded)"] = rss_mb()
    assert report.orders_created == rows, report.summary()
    return rows / seconds, memory


def bench_schema_floor(rows: int) -> float:
    """Patron's own tables, bare: the rows the import wrote (parties, their relationships,
    timeline entries and contact points, orders, lines), read back as the database stores
    them and written again into the emptied tables with the importer's bulk path
    (executemany on SQLite, COPY on PostgreSQL), in the import's batches, a transaction
    each. What storing the file in Patron's schema costs the database alone, with none of
    the reading, checking and matching: the most any importer of this schema could do."""
    from django.conf import settings
    from django.db import connection, transaction

    from patron.commerce.models import Order, OrderLine
    from patron.core.bulk import insert_rows
    from patron.parties.models import Activity, ContactPoint, Party, Relationship

    by_party = (Party, Relationship, Activity, ContactPoint)  # parents first
    held = {}
    with connection.cursor() as cursor:
        for model in (*by_party, Order, OrderLine):
            key = (
                "id"
                if model in (Party, Order)
                else ("order_id" if model is OrderLine else "party_id")
            )
            fields = [f.attname for f in model._meta.concrete_fields]
            names = ", ".join(
                connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
            )
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT {names} FROM {table} ORDER BY {key}")
            held[model] = (fields, fields.index(key), cursor.fetchall())
    wipe(keep_runs=True)
    orders = held[Order][2]
    party_at, order_at = held[Order][0].index("party_id"), 0
    done = dict.fromkeys(held, 0)  # rows of each table written so far
    seconds = 0.0
    for start in range(0, len(orders), settings.PATRON_IMPORT_BATCH_ROWS):
        batch = orders[start : start + settings.PATRON_IMPORT_BATCH_ROWS]
        # Everything up to the batch's highest party and order: whatever its orders need.
        bounds = {model: max(row[party_at] for row in batch) for model in by_party}
        bounds[Order] = batch[-1][order_at]
        bounds[OrderLine] = batch[-1][order_at]
        slices = {}
        for model, (_, key, table_rows) in held.items():
            end = done[model]
            while end < len(table_rows) and table_rows[end][key] <= bounds[model]:
                end += 1
            slices[model] = table_rows[done[model] : end]
            done[model] = end
        started = time.perf_counter()
        with transaction.atomic():
            for model, part in slices.items():
                insert_rows(model, held[model][0], part, adapted=True)
        seconds += time.perf_counter() - started
    assert done[Order] == len(orders) == rows, (done, rows)
    return rows / seconds


def raw_rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from (tuple(row) for row in reader)


def bench_raw_sqlite(path: Path, directory: Path, rows: int) -> float:
    database = sqlite3.connect(directory / "raw.sqlite3", isolation_level=None)
    database.execute("PRAGMA journal_mode=WAL")
    database.execute(
        "CREATE TABLE orders (id TEXT, at TEXT, name TEXT, email TEXT, "
        "phone TEXT, product TEXT, amount TEXT)"
    )
    started = time.perf_counter()
    database.execute("BEGIN")
    database.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", raw_rows(path))
    database.execute("COMMIT")
    seconds = time.perf_counter() - started
    database.close()
    return rows / seconds


def bench_raw_postgres(path: Path, rows: int) -> float:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_raw_orders")
        connection.execute(
            "CREATE TABLE bench_raw_orders (id text, at text, name text, "
            "email text, phone text, product text, amount text)"
        )
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy("COPY bench_raw_orders FROM STDIN") as copy:
            for row in raw_rows(path):
                copy.write_row(row)
        connection.commit()
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_raw_orders")
    return rows / seconds


def bench_import_export(path: Path, rows: int) -> float:
    """What a Django developer would write with django-import-export for the same models."""
    import tablib
    from django.db import connection
    from import_export import fields, resources, widgets

    from patron.commerce.models import Order
    from patron.parties.models import Party, Relationship
    from patron.parties.normalize import name_key

    class PartyByEmail(widgets.ForeignKeyWidget):
        def clean(self, value, row=None, **kwargs):
            party = Party.objects.filter(email=value.lower()).first()
            if party is None:
                party = Party.objects.create(
                    display_name=row["Name"],
                    name_key=name_key(row["Name"]),
                    email=value.lower(),
                    phone=row["Phone"],
                )
                Relationship.objects.create(party=party)
            return party

    class OrderResource(resources.ModelResource):
        external_id = fields.Field(attribute="external_id", column_name="Order ID")
        occurred_at = fields.Field(
            attribute="occurred_at",
            column_name="Date",
            widget=widgets.DateTimeWidget(format="%Y-%m-%d %H:%M"),
        )
        party = fields.Field(attribute="party", column_name="Email", widget=PartyByEmail(Party))
        amount = fields.Field(
            attribute="amount", column_name="Amount", widget=widgets.DecimalWidget()
        )

        class Meta:
            model = Order
            fields = ("external_id", "occurred_at", "party", "amount")
            import_id_fields = ("external_id",)

        def before_import_row(self, row, **kwargs):
            row["Amount"] = row["Amount"].replace(",", "")

        def before_save_instance(self, instance, row, **kwargs):
            instance.source, instance.currency, instance.row_digest = "iex", "KRW", ""

    # The developer indexes the column they look people up by: Patron's schema has no index
    # on a party's email (it matches people by their contact points), and without one each
    # row's lookup would read the whole table, slowing the baseline (646 rows/s against 788).
    table = connection.ops.quote_name(Party._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS bench_party_email ON {table} (email)")
    dataset = tablib.Dataset(headers=HEADER)
    for index, row in enumerate(raw_rows(path)):
        if index >= rows:
            break
        dataset.append(row)
    started = time.perf_counter()
    result = OrderResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors(), [e.error for e in result.base_errors][:3]
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX bench_party_email")
    return rows / seconds


def run_one_database(args: argparse.Namespace, path: Path, directory: Path) -> None:
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    setup_django(directory / "patron")
    patron_rate, memory = bench_patron(path, args.rows)
    floor_rate = bench_schema_floor(args.rows)
    if engine == "SQLite":
        raw_rate, raw_name = bench_raw_sqlite(path, directory, args.rows), "sqlite3 executemany"
    else:
        raw_rate, raw_name = bench_raw_postgres(path, args.rows), "COPY"
    wipe()
    iex_rate = bench_import_export(path, args.baseline_rows)
    print(f"\n== {engine}: {args.rows:,} generic CSV rows ==")
    print(f"patron import        {patron_rate:>12,.0f} rows/s")
    print(f"raw {raw_name:<17}{raw_rate:>12,.0f} rows/s")
    print(f"django-import-export {iex_rate:>12,.0f} rows/s  (first {args.baseline_rows:,} rows)")
    print(f"Patron's tables, bare{floor_rate:>12,.0f} rows/s  (the import's rows written again)")
    print(f"ratio vs raw limit           {patron_rate / raw_rate:8.3f}x  (goal >= 0.2x)")
    print(
        f"  Patron's tables, bare, vs raw limit {floor_rate / raw_rate:5.3f}x; "
        f"patron vs its tables, bare {patron_rate / floor_rate:5.3f}x"
    )
    print(f"ratio vs django-import-export {patron_rate / iex_rate:7.1f}x  (goal >= 50x)")
    print_memory(memory)
    if engine == "SQLite" and args.memory_rows:
        bigger = directory / "bigger.csv"
        generate(bigger, args.memory_rows, seed=12)
        wipe()
        rate, memory = bench_patron(bigger, args.memory_rows)
        print(f"\n== SQLite: {args.memory_rows:,} rows, for memory ({rate:,.0f} rows/s) ==")
        print_memory(memory)


def print_memory(memory: dict[str, float]) -> None:
    print("resident memory (MB): " + ", ".join(f"{k} {v:,.0f}" for k, v in memory.items()))
    print(f"memory growth from 10% to 100% of the file: {memory['100%'] - memory['10%']:+,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--file", type=Path, help="reuse a generated file")
    parser.add_argument(
        "--memory-rows", type=int, default=0, help="also import this many rows for memory"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        path = args.file or directory / "orders.csv"
        if not args.file:
            generate(path, args.rows)
        if os.environ.get("DATABASE_URL"):
            run_one_database(args, path, directory)
            return
        child = _postgres_pass(args, path)
        run_one_database(args, path, directory)
        if child is not None:
            child.wait()


def _postgres_pass(args: argparse.Namespace, path: Path):
    """Start the PostgreSQL pass in its own process, after SQLite's (same file)."""
    try:
        import psycopg

        psycopg.connect(args.postgres, connect_timeout=3).close()
    except Exception as exc:
        print(f"NOTICE: PostgreSQL at {args.postgres} does not answer ({exc}); SQLite only.")
        return None
    print("(the PostgreSQL pass runs after SQLite's)")
    return _Deferred(args, path)


class _Deferred:
    def __init__(self, args: argparse.Namespace, path: Path) -> None:
        self.args, self.path = args, path

    def wait(self) -> None:
        env = dict(os.environ, DATABASE_URL=self.args.postgres)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--rows",
                str(self.args.rows),
                "--baseline-rows",
                str(self.args.baseline_rows),
                "--file",
                str(self.path),
            ],
            env=env,
            check=True,
        )


if __name__ == "__main__":
    main()
