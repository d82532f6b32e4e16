"""Matching incoming identities to parties: one person is one party across sources.

Order of evidence: the source's own customer id (Stripe, Square), then normalised email, then
phone. A new identity that shares a key with one earlier in the same batch joins it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from patron.core.bulk import adapt, among, chunked, insert_rows, reserve_ids

from .models import (
    Activity,
    ContactKind,
    ContactPoint,
    ExternalRef,
    KindSource,
    Market,
    Party,
    PartyType,
    Relationship,
    RelationshipKind,
)
from .normalize import name_key

# The key cache is a speed-up only (a miss is looked up again), so it is emptied, between
# batches, when it grows past this: an import's memory stays flat however many parties the
# file holds. (Kept in two generations instead, so that customers who come back stay known,
# a million-row import ran no faster: 16,231-17,026 rows/s against 16,545-16,799.)
_KNOWN_LIMIT = 50_000


@dataclass(frozen=True)
class Identity:
    customer_id: str = ""
    email: str | None = None
    phone: str | None = None
    name: str = ""
    company: str = ""

    def keys(self, source: str) -> list[tuple[str, str]]:
        # Asked several times for each identity of an import batch: made once.
        made = self.__dict__.get("_keys")
        if made is not None and made[0] == source:
            return made[1]
        keys = []
        if self.customer_id:
            keys.append(("ref:" + source, self.customer_id))
        if self.email:
            keys.append((ContactKind.EMAIL, self.email))
        if self.phone:
            keys.append((ContactKind.PHONE, self.phone))
        self.__dict__["_keys"] = (source, keys)  # a cache: the identity itself stays frozen
        return keys


class PartyResolver:
    """Resolves identities batch by batch; keeps a key → party id cache for the whole file."""

    def __init__(self, source: str, *, file_name: str, actor=None, run_id: int | None = None):
        self.source = source
        self.file_name = file_name
        self.actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        self.run_id = run_id
        self.known: dict[tuple[str, str], int] = {}
        self.parties_created = 0

    def resolve(self, identities: list[Identity], rows: list[int]) -> list[int]:
        self._forget_when_full()
        self._prefetch(identities)
        known = self.known
        groups: dict[tuple[str, str], int] = {}  # key -> index of a party to create
        new_parties: list[Identity] = []
        new_rows: list[int] = []
        assigned: list[int | tuple[str, int]] = []
        for identity, row in zip(identities, rows, strict=True):
            keys = identity.keys(self.source)
            party_id = _first_known(keys, known)
            if party_id is not None:
                assigned.append(party_id)
                continue
            group = next((groups[k] for k in keys if k in groups), None)
            if group is None:
                group = len(new_parties)
                new_parties.append(identity)
                new_rows.append(row)
            for key in keys:
                groups.setdefault(key, group)
            assigned.append(("new", group))
        created_ids = self._create(new_parties, new_rows)
        party_ids = [a if isinstance(a, int) else created_ids[a[1]] for a in assigned]
        self._remember_contacts(identities, party_ids)
        return party_ids

    def lookup(self, identities: list[Identity]) -> list[int | None]:
        """The party each identity already belongs to, or None: nobody is created."""
        self._forget_when_full()
        self._prefetch(identities)
        return [_first_known(identity.keys(self.source), self.known) for identity in identities]

    def _forget_when_full(self) -> None:
        # Between batches only: within one, a key looked up must stay known until the
        # batch's people are resolved (a key forgotten there would make a second party).
        if len(self.known) > _KNOWN_LIMIT:
            self.known.clear()

    def _prefetch(self, identities: Iterable[Identity]) -> None:
        source, known = self.source, self.known
        unknown = {
            key for identity in identities for key in identity.keys(source) if key not in known
        }
        wanted: dict[str, list[str]] = {}
        for kind, value in unknown:
            wanted.setdefault(kind, []).append(value)
        for kind, values in wanted.items():
            for chunk in chunked(sorted(values)):
                for value, party_id in self._lookup(kind, chunk):
                    known.setdefault((kind, value), party_id)  # lowest id first: it wins

    def _lookup(self, kind: str, values: list[str]) -> Iterable[tuple[str, int]]:
        """(value, party id) of the parties already holding these keys, lowest id first.
        Plain SQL: an import asks this for every batch, and building the ORM's query cost
        more than running it (bench/import_throughput.py)."""
        keys, params = among(values)
        with connection.cursor() as cursor:
            if kind.startswith("ref:"):
                cursor.execute(
                    f"SELECT external_id, party_id FROM {_REFS} "
                    f"WHERE source = %s AND external_id {keys}",
                    [self.source, *params],
                )
            else:
                cursor.execute(
                    f"SELECT value, party_id FROM {_POINTS} WHERE kind = %s AND value {keys} "
                    "ORDER BY party_id",
                    [kind, *params],
                )
            return cursor.fetchall()

    def _create(self, identities: list[Identity], rows: list[int]) -> list[int]:
        if not identities:
            return []
        now = timezone.now()
        ids = reserve_ids(Party, len(identities))
        created_at = adapt(Party, "created_at", now)
        # Every entry's data but its row is the same: written as JSON once (json.dumps per
        # row was a tenth of the time of creating a party), the row number put in as text.
        shared = json.dumps({"file": self.file_name, "source": self.source, "import": self.run_id})
        insert_rows(
            Party,
            PARTY_COLUMNS,
            (
                _new_party(pk, identity, created_at)
                for pk, identity in zip(ids, identities, strict=True)
            ),
            adapted=True,
        )
        insert_rows(
            Relationship,
            ["party_id", "kind", "inferred_kind", "kind_source", "reasons"],
            ((pk, RelationshipKind.CUSTOMER, "", KindSource.INFERRED, "[]") for pk in ids),
            adapted=True,
        )
        # The timeline entry record_activity would write, inserted in bulk (see core.bulk).
        insert_rows(
            Activity,
            ["party_id", "occurred_at", "verb", "actor_id", "data"],
            (
                (pk, created_at, "party.created", self.actor_id, f'{{"row": {row:d}, {shared[1:]}')
                for pk, row in zip(ids, rows, strict=True)
            ),
            adapted=True,
        )
        self.parties_created += len(ids)
        return ids

    def _remember_contacts(self, identities: list[Identity], party_ids: list[int]) -> None:
        """Record each identity's keys on its party, unless another party already holds them."""
        keys = []
        for identity, party_id in zip(identities, party_ids, strict=True):
            for kind, value in identity.keys(self.source):
                if (kind, value) in self.known:
                    continue
                self.known[(kind, value)] = party_id
                keys.append((kind, value, party_id))
        self._store_keys(keys)

    def _store_keys(self, keys: list[tuple[str, str, int]]) -> None:
        refs = [
            (party_id, self.source, value) for kind, value, party_id in keys if kind[:4] == "ref:"
        ]
        points = [
            (party_id, kind, value, self.source)
            for kind, value, party_id in keys
            if kind[:4] != "ref:"
        ]
        insert_rows(ExternalRef, ["party_id", "source", "external_id"], refs, ignore_conflicts=True)
        insert_rows(
            ContactPoint, ["party_id", "kind", "value", "source"], points, ignore_conflicts=True
        )


def _first_known(keys: list[tuple[str, str]], known: dict[tuple[str, str], int]) -> int | None:
    """The party of the first of these keys that is known (keys come strongest first)."""
    for key in keys:
        party_id = known.get(key)
        if party_id is not None:
            return party_id
    return None


_REFS = connection.ops.quote_name(ExternalRef._meta.db_table)
_POINTS = connection.ops.quote_name(ContactPoint._meta.db_table)
PARTY_COLUMNS = [
    "id",
    "party_type",
    "display_name",
    "name_key",
    "email",
    "phone",
    "locale",
    "market",
    "created_at",
]


def _new_party(pk: int, identity: Identity, created_at) -> tuple:
    """A new party's row in PARTY_COLUMNS order (created_at already adapted)."""
    is_organisation = bool(identity.company and not identity.name)
    display = (
        identity.name
        or identity.company
        or (identity.email.split("@")[0] if identity.email else "")
        or identity.phone
        or identity.customer_id
    )
    return (
        pk,
        PartyType.ORGANISATION if is_organisation else PartyType.PERSON,
        display[:200],
        name_key(display)[:200],
        identity.email or "",
        identity.phone or "",
        "",
        Market.B2B if identity.company else Market.B2C,
        created_at,
    )
