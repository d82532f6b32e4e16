"""Multi-row INSERT for the import hot path.

Django's bulk_create builds a model instance and runs every field's preparation for each row;
on a 100,000-row import that was ~70% of the time (measured with bench/import_throughput.py).
Here rows go to executemany as tuples, with only the conversions the backend needs
(datetimes and decimals), so SQLite and PostgreSQL store exactly what the ORM would.
"""

from __future__ import annotations

import contextlib
import gc
import zlib
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, models
from django.db.models.options import Options

# Keeps every IN (...) under SQLite's parameter limit on old builds.
IN_CHUNK = 900


def chunked(values: list, size: int = IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(values: list) -> tuple[str, list]:
    """`column {among}` for a WHERE clause, and its parameters: `IN (%s, ...)` on SQLite,
    `= ANY(%s)` with one array on PostgreSQL, whose driver would otherwise parse a new
    query text for every length of list (measured: a fifth of an import's time there)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    return f"IN ({', '.join(['%s'] * len(values))})", list(values)


def _converter(field: models.Field) -> Callable | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    if isinstance(field, models.JSONField):
        return lambda value: ops.adapt_json_value(value, field.encoder)
    return None


_MEMO_LIMIT = 65_536


def value_adapter(model: type[models.Model], field: str) -> Callable:
    """The function turning this field's values into what the backend stores, for
    insert_rows(adapted=True), bound to this thread's connection once: Django's `connection`
    is a thread-local proxy, whose lookup cost more per value than the adapting. Amounts and
    times repeat down an import, and formatting one costs microseconds: each distinct value
    is formatted once (a bounded memo)."""
    convert = _converter(model._meta.get_field(field))
    if convert is None:
        return lambda value: value
    if not isinstance(model._meta.get_field(field), models.DecimalField | models.DateTimeField):
        return convert
    memo: dict = {}

    def remembered(value):
        found = memo.get(value)
        if found is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            found = memo[value] = convert(value)
        return found

    return remembered


def adapt(model: type[models.Model], field: str, value):
    """A value as insert_rows(..., adapted=True) expects it for this field."""
    convert = _converter(model._meta.get_field(field))
    return convert(value) if convert is not None else value


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, taken before they are inserted, so that rows that
    point at them (an order's lines, a party's contacts) go in the same batch without reading
    the new rows back. PostgreSQL: from the table's sequence. SQLite: past the highest id ever
    given; the transaction holds the write lock from its start (transaction_mode IMMEDIATE),
    so nobody else can take them before this transaction commits. Insert the rows before
    reserving again for the same table."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids on SQLite needs the transaction's write lock")
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = cursor.fetchone()[0]
    return list(range(start + 1, start + count + 1))


def insert_rows(
    model: type[models.Model],
    fields: list[str],
    rows: Iterable[tuple],
    *,
    ignore_conflicts: bool = False,
    adapted: bool = False,
) -> int:
    """Insert tuples in ``fields`` order; the number of rows given. ``adapted``: the caller
    already turned datetimes, decimals and JSON into what the backend stores (``adapt``),
    e.g. a value shared by every row adapted once. Adapted rows that are not a list (a
    generator, a zip of columns) stream to the database, each tuple freed once sent: a
    million scores held as tuples cost 150 MB, and the garbage collector's passes over them."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    converters = (
        [] if adapted else [(i, c) for i, c in enumerate(map(_converter, columns)) if c is not None]
    )
    if converters:
        prepared = []
        for row in rows:
            row = list(row)
            for position, convert in converters:
                row[position] = convert(row[position])
            prepared.append(row)
    elif isinstance(rows, list) or ignore_conflicts:
        prepared = rows if isinstance(rows, list) else list(rows)
    else:
        return _stream_rows(meta, columns, rows)
    if not prepared:
        return 0
    if connection.vendor == "postgresql":
        _insert_postgresql(meta.db_table, columns, prepared, ignore_conflicts)
    else:
        _insert_sqlite(meta, columns, prepared, ignore_conflicts)
    return len(prepared)


def _stream_rows(meta: Options, fields: list, rows: Iterable[tuple]) -> int:
    """Rows inserted as they come: COPY on PostgreSQL, executemany on SQLite."""
    if connection.vendor == "postgresql":
        return _insert_postgresql(meta.db_table, fields, rows, ignore_conflicts=False)
    return _insert_sqlite(meta, fields, rows, ignore_conflicts=False)


def _insert_sqlite(meta: Options, fields: list, rows: Iterable, ignore_conflicts: bool) -> int:
    """executemany, into the table itself when it has no index but its primary key, else
    into a temporary table of untyped columns (values kept exactly as given) and then one
    INSERT ... SELECT into the table. SQLite sets up a statement's cursors (the table, each
    index, each foreign key's parent) every time the statement runs: run once per row, that
    was a quarter of the time of writing 200,000 orders and their lines (2.45 s against
    1.83 s staged; a 200,000-row import 17,000 to 19,300 rows/s). A table with no other
    index loses by the copy (the scores: saving 300,000 took 1.0 s direct, 1.1 s staged).
    The temporary table is this connection's own and is emptied before and after: a batch
    rolled back leaves nothing in it either."""
    quote = connection.ops.quote_name
    table = meta.db_table
    names = ", ".join(quote(f.column) for f in fields)
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if not _has_secondary_index(meta):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) "
                f"VALUES ({', '.join(['%s'] * len(fields))}){conflicts}",
                rows,
            )
            return max(cursor.rowcount, 0)
    stage = quote(f"patron_stage_{zlib.crc32(f'{table}({names})'.encode()):08x}")
    with connection.cursor() as cursor:
        columns = ", ".join(f"c{i}" for i in range(len(fields)))
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({columns})")
        cursor.execute(f"DELETE FROM {stage}")
        cursor.executemany(f"INSERT INTO {stage} VALUES ({', '.join(['%s'] * len(fields))})", rows)
        staged = max(cursor.rowcount, 0)
        # WHERE true: without it, SQLite would read ON CONFLICT as a join's ON.
        where = " WHERE true" if ignore_conflicts else ""
        cursor.execute(
            f"INSERT INTO {quote(table)} ({names}) SELECT * FROM {stage}{where}{conflicts}"
        )
        cursor.execute(f"DELETE FROM {stage}")
    return staged


def _has_secondary_index(meta: Options) -> bool:
    """Whether Django gave the table an index besides its primary key."""
    return bool(
        meta.indexes
        or meta.unique_together
        or any(isinstance(c, models.UniqueConstraint) for c in meta.constraints)
        or any((f.db_index or f.unique) and not f.primary_key for f in meta.concrete_fields)
    )


def _insert_postgresql(table, fields, rows, ignore_conflicts: bool) -> int:
    """COPY, PostgreSQL's bulk path. Rows that may conflict go in as one statement that
    unnests a parameter array per column (ON CONFLICT DO NOTHING keeps the first of each):
    executemany sent a statement per row, a second per 100,000 contact points.

    Django's cursor binds parameters on the client, which re-parses a statement for every
    row; the raw psycopg connection (inside the same transaction) does neither. Returns the
    number of rows sent.
    """
    connection.ensure_connection()
    raw = connection.connection
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    # The driver's errors as Django's (IntegrityError, OperationalError), as on SQLite.
    with connection.wrap_database_errors, raw.cursor() as cursor:
        if ignore_conflicts:
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) SELECT * FROM unnest({arrays}) "
                "ON CONFLICT DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return len(rows)
        sent = 0
        with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                sent += 1
        return sent


@contextlib.contextmanager
def spaced_collections(young: int = 500_000) -> Iterator[None]:
    """Python's cyclic garbage collector run after every `young` new objects instead of 700,
    for the length of a bulk job. An import keeps a batch of rows, records and tuples alive
    for a while: at 700 they outlived the young collections, and the full collections they
    set off (each a pass over every object of the process, Django's included) took a quarter
    of an import's time (measured with gc.callbacks: 2.35 s of 9.25 s at 100,000 new
    customers; 0.18 s after, at 50,000). At 50,000, a million-row import still spent 5.6 s
    of 70 s in 180 collections, each walking a batch's records; at 500,000 a batch's objects
    are gone before the count is reached (62 s, as with the collector off). Rows hold no
    cycles, so nothing waits longer to be freed; the setting is the process's own and is
    put back after."""
    previous = gc.get_threshold()
    gc.set_threshold(young, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def update_rows(
    model: type[models.Model], fields: list[str], rows: Iterable[tuple], *, adapted: bool = False
) -> int:
    """UPDATE many rows by primary key: each row is (pk, *values in `fields` order).

    Django's bulk_update writes one CASE expression per field with a branch per row, which
    took ~10 ms a row on a 5,000-row batch; one prepared UPDATE per row, executed many times,
    is what the database does fastest.
    """
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    converters = (
        []
        if adapted
        else [(i + 1, c) for i, c in enumerate(map(_converter, columns)) if c is not None]
    )
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    prepared = []
    for row in rows:
        row = list(row)
        for position, convert in converters:
            row[position] = convert(row[position])
        prepared.append((*row[1:], row[0]))
    if not prepared:
        return 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.wrap_database_errors, connection.connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
    return len(prepared)
