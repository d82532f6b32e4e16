"""What a preview needs to count an import exactly without writing the business's data.

People and orders first seen in the file are remembered in a scratch SQLite file of the
preview's own (not in memory: a file can hold millions of them), so a person on row 2 and
again on row 900,000 counts as one new party, and an order repeated in the file counts as an
update, exactly as the real import would count them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable

from patron.core.bulk import chunked
from patron.parties.resolve import Identity, PartyResolver


class Scratch:
    """A throwaway SQLite file: keys of new parties, digests of orders seen in the file."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="patron-preview-", suffix=".sqlite3")
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE party_key (
                kind TEXT, value TEXT, party INTEGER, PRIMARY KEY (kind, value)
            );
            CREATE TABLE seen_order (
                id TEXT PRIMARY KEY, digest TEXT, purchase INTEGER, row INTEGER, status TEXT
            );
            """
        )

    def party_keys(self, kind: str, values: list[str]) -> list[tuple[str, int]]:
        marks = ",".join("?" * len(values))
        return self.db.execute(
            f"SELECT value, party FROM party_key WHERE kind = ? AND value IN ({marks})",
            [kind, *values],
        ).fetchall()

    def remember_party_keys(self, keys: Iterable[tuple[str, str, int]]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO party_key VALUES (?, ?, ?)", keys)

    def orders_seen(self, order_ids: list[str]) -> dict[str, tuple[str, int, int, str]]:
        """(digest, was a purchase (or a booking's outcome), row, status) of the orders seen
        earlier in the file."""
        seen = {}
        for chunk in chunked(order_ids):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT id, digest, purchase, row, status FROM seen_order WHERE id IN ({marks})",
                chunk,
            )
            for order_id, digest, purchase, row, status in rows:
                seen[order_id] = (digest, purchase, row, status)
        return seen

    def remember_orders(self, rows: Iterable[tuple[str, str, int, int, str]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO seen_order VALUES (?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class PreviewResolver(PartyResolver):
    """Matches people as the import would, creating nobody: new parties get negative ids."""

    def __init__(self, source: str, scratch: Scratch) -> None:
        super().__init__(source, file_name="")
        self.scratch = scratch

    def _lookup(self, kind: str, values: list[str]) -> Iterable[tuple[str, int]]:
        found = list(super()._lookup(kind, values))
        known = {value for value, _ in found}
        missing = [value for value in values if value not in known]
        return found + (self.scratch.party_keys(kind, missing) if missing else [])

    def _create(self, identities: list[Identity], rows: list[int]) -> list[int]:
        first = self.parties_created + 1
        self.parties_created += len(identities)
        return [-(first + i) for i in range(len(identities))]

    def _store_keys(self, keys: list[tuple[str, str, int]]) -> None:
        self.scratch.remember_party_keys(keys)
