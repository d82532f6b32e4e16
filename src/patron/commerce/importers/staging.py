"""Gathering the lines of each order from a file with a row per line, wherever they stand.

Marketplace exports are often sorted by product or by shipping state, not by order: an order's
lines can be a whole file apart. Every checked line is staged in a scratch SQLite file of the
import's own (not in memory: a file can hold millions of them), then read back order by order,
in the order of each one's first row. Memory stays flat whatever the file.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator


class LineStage:
    """A throwaway SQLite file: each order's staged lines, and the rows of it refused."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="patron-lines-", suffix=".sqlite3")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE staged_order (key TEXT PRIMARY KEY, first_row INTEGER);
            CREATE TABLE staged_line (key TEXT, row INTEGER, data BLOB);
            CREATE TABLE refused_line (key TEXT, row INTEGER);
            """
        )
        self.db.execute("BEGIN")
        self.orders = 0

    def add(self, key: str, row: int, item: object) -> None:
        added = self.db.execute(
            "INSERT OR IGNORE INTO staged_order VALUES (?, ?)", (key, row)
        ).rowcount
        self.orders += added
        self.db.execute(
            "INSERT INTO staged_line VALUES (?, ?, ?)",
            (key, row, pickle.dumps(item, pickle.HIGHEST_PROTOCOL)),
        )

    def refuse(self, key: str, row: int) -> None:
        """A row of this order was refused: the order is kept without it, and said so."""
        self.db.execute("INSERT INTO refused_line VALUES (?, ?)", (key, row))

    def orders_in_file_order(self) -> Iterator[tuple[str, list, list[int]]]:
        """(order key, its staged items in row order, its refused rows), orders in the order
        of their first row."""
        self.db.execute("CREATE INDEX staged_line_key ON staged_line (key, row)")
        self.db.execute("CREATE INDEX refused_line_key ON refused_line (key, row)")
        refused_any = self.db.execute("SELECT 1 FROM refused_line LIMIT 1").fetchone()
        rows = self.db.execute(
            "SELECT o.key, l.data FROM staged_order o JOIN staged_line l ON l.key = o.key "
            "ORDER BY o.first_row, l.row"
        )
        key, items = None, []
        for found, data in rows:
            if found != key and key is not None:
                yield key, items, self._refused(key) if refused_any else []
                items = []
            key = found
            # Unpickled from the file this process wrote a moment ago, never from a user.
            items.append(pickle.loads(data))
        if key is not None:
            yield key, items, self._refused(key) if refused_any else []

    def _refused(self, key: str) -> list[int]:
        found = self.db.execute("SELECT row FROM refused_line WHERE key = ? ORDER BY row", (key,))
        return [row for (row,) in found]

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
