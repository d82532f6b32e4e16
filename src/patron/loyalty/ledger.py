"""The points ledger's operations: earn, release, spend, expire, revoke, refund.

Each is one transaction that writes immutable entries and moves the cached balance with a
conditional UPDATE ("... SET available = available - n WHERE available >= n"): two
redemptions at once can never both take the last points, on SQLite (one writer at a time)
or PostgreSQL (the UPDATE locks the party's balance row until commit, so the lots drawn
from are read by one spender at a time). Every operation takes an idempotency key: a replay
(a double tap, a retried request, two workers) returns the entry already written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from patron.core.problems import Problem

from .models import LOT_KINDS, EntryKind, PointAllocation, PointBalance, PointEntry

REFUND_LIFETIME = dt.timedelta(days=30)  # at least, for points given back


class PointsRefused(Problem):
    """A points operation that cannot be done so (not enough points, nothing to undo)."""


def _checked(points, *moments: dt.datetime | None) -> int:
    """Points are whole numbers above zero; moments are aware (a naive one would be read
    nine hours apart by the ORM and by SQL)."""
    for moment in moments:
        if moment is not None and timezone.is_naive(moment):
            raise ValueError("points ledger moments must be aware datetimes")
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise PointsRefused("points.not_positive", points=str(points))
    return points


def balance_of(party_id: int) -> int:
    found = PointBalance.objects.filter(party_id=party_id).values_list("available", flat=True)
    return next(iter(found), 0)


def ledger_sum(party_id: int) -> int:
    """The balance as the ledger has it: what the cached balance must always equal."""
    return PointEntry.objects.filter(party_id=party_id).aggregate(s=Sum("delta"))["s"] or 0


def _replayed(key: str) -> PointEntry | None:
    return PointEntry.objects.filter(idempotency_key=key).first()


def _same(entry: PointEntry | None, party_id: int, kind: str) -> PointEntry | None:
    """A replay is the same operation for the same party (or for a record merged into it
    since: an order read again after a merge): a key reused for another is refused."""
    if entry is None:
        return entry
    same_party = entry.party_id == party_id or _merged_into(entry.party_id, party_id)
    if not same_party or entry.kind != kind:
        raise PointsRefused("points.key_reused", key=entry.idempotency_key)
    return entry


def _merged_into(merged_id: int, survivor_id: int) -> bool:
    from patron.parties.models import Party

    return Party.objects.filter(pk=merged_id, merged_into_id=survivor_id).exists()


def _once(
    key: str, work: Callable[[], PointEntry | None], *, look_first: bool = True
) -> PointEntry | None:
    """Run work() in a transaction unless the key was used; a concurrent twin that wrote
    the key first wins, and its entry is returned. ``look_first=False`` for work whose first
    statement inserts the keyed entry: the unique key refuses the replay by itself."""
    existing = _replayed(key) if look_first else None
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return work()
    except IntegrityError:
        existing = _replayed(key)
        if existing is None:
            raise
        return existing


def _entry(party_id: int, kind: str, amount: int, delta: int, key: str, **fields) -> PointEntry:
    return PointEntry.objects.create(
        party_id=party_id, kind=kind, amount=amount, delta=delta, idempotency_key=key, **fields
    )


def _add(party_id: int, points: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_ADD, [party_id, points])


def _lock(party_id: int) -> None:
    """Hold the party's balance row until the transaction ends (made at 0 if it is new):
    every operation that reads what lots hold does so under it, so two of them never read
    the same lots at once (PostgreSQL; SQLite runs one writer at a time anyway)."""
    _add(party_id, 0)  # an upsert: it takes the row's lock, and makes the row if missing


def _take(party_id: int, points: int) -> bool:
    """Take points if the balance holds them: one conditional UPDATE, never below zero."""
    return bool(
        PointBalance.objects.filter(party_id=party_id, available__gte=points).update(
            available=F("available") - points
        )
    )


# -- lots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lot:
    entry: PointEntry
    remaining: int


def usable_lots(party_id: int, now: dt.datetime) -> list[Lot]:
    """Released lots with points left, the soonest to expire first (then the oldest)."""
    lots = (
        PointEntry.objects.filter(party_id=party_id, kind__in=LOT_KINDS)
        .annotate(remaining=Sum("drawn__amount"))
        .filter(remaining__gt=0)
        .order_by(F("expires_at").asc(nulls_last=True), "pk")
    )
    return [Lot(lot, lot.remaining) for lot in lots]


def _draw(entry: PointEntry, lots: list[Lot], points: int) -> int:
    """Allocate up to `points` from the lots in order; what could be drawn."""
    left = points
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        PointAllocation.objects.create(entry=entry, lot=lot.entry, amount=-take)
        left -= take
    return points - left


# -- earning and release ----------------------------------------------------------------------


def earn(
    party_id: int,
    points: int,
    *,
    key: str,
    reason: dict,
    available_at: dt.datetime,
    expires_at: dt.datetime | None,
    order_id: int | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> PointEntry:
    """A lot of `points`, pending until `available_at` (released at once when it has come)."""
    now = now or timezone.now()
    points = _checked(points, available_at, expires_at, now)

    def write() -> PointEntry:
        if available_at <= now:
            return _earn_usable(party_id, points, key, reason, expires_at, order_id, actor, now)
        return _entry(
            party_id,
            EntryKind.EARN,
            points,
            0,
            key,
            reason=reason,
            available_at=available_at,
            expires_at=expires_at,
            order_id=order_id,
            actor=actor,
            created_at=now,
        )

    return _same(_once(key, write, look_first=available_at > now), party_id, EntryKind.EARN)


def claimed(entry: PointEntry, kind: str) -> int:
    """The points already written against an entry by entries of a kind (what was taken back
    of an earning, what was given back of a spending)."""
    total = PointEntry.objects.filter(of_entry=entry, kind=kind).aggregate(s=Sum("amount"))["s"]
    return total or 0


def _pending_revoked(lot: PointEntry) -> int:
    return (
        PointEntry.objects.filter(
            of_entry=lot, kind=EntryKind.REVOKE, reason__pending=True
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )


def _release(lot: PointEntry, now: dt.datetime) -> PointEntry | None:
    usable = lot.amount - _pending_revoked(lot)
    if usable <= 0:
        return None
    release = _entry(
        lot.party_id,
        EntryKind.RELEASE,
        usable,
        usable,
        f"ledger:release:{lot.pk}",
        of_entry=lot,
        reason={"code": "points.released"},
        created_at=now,
    )
    PointAllocation.objects.create(entry=release, lot=lot, amount=usable)
    _add(lot.party_id, usable)
    return release


def _released(lot_ref: str = "pk") -> Exists:
    return Exists(PointEntry.objects.filter(of_entry=OuterRef(lot_ref), kind=EntryKind.RELEASE))


def is_released(lot: PointEntry) -> bool:
    """Usable already: earned usable at once (its delta is its amount), or released since."""
    return lot.delta > 0 or PointEntry.objects.filter(of_entry=lot, kind=EntryKind.RELEASE).exists()


def release_due(now: dt.datetime | None = None) -> int:
    """Lots whose pending time is over become usable (a periodic task; idempotent)."""
    now = now or timezone.now()
    due = PointEntry.objects.filter(kind=EntryKind.EARN, delta=0, available_at__lte=now).exclude(
        _released()
    )
    count = 0
    for pk, party_id in list(due.values_list("pk", "party_id")):  # no cursor left open
        try:
            with transaction.atomic():
                _lock(party_id)
                lot = PointEntry.objects.get(pk=pk)
                if _replayed(f"ledger:release:{pk}") is None and _release(lot, now):
                    count += 1
        except IntegrityError:
            continue  # another worker released it meanwhile
    return count


# -- spending and expiry ------------------------------------------------------------------------


def spend(
    party_id: int,
    points: int,
    *,
    key: str,
    reason: dict,
    order_id: int | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> PointEntry:
    """Use points: refused unless the balance holds them; drawn from the lots that expire
    soonest. Lots past their expiry are expired first (the balance says what can be used)."""
    now = now or timezone.now()
    points = _checked(points, now)
    for _attempt in range(2):
        try:
            entry = _once(
                key,
                lambda: _spend_once(party_id, points, key, reason, order_id, actor, now),
                look_first=False,
            )
        except _ExpiredFirst:
            expire_due(now, party_id=party_id)  # then once more, with what is still valid
            continue
        return _same(entry, party_id, EntryKind.SPEND)
    raise RuntimeError(f"party {party_id}: lots kept expiring while spending")


class _ExpiredFirst(Exception):
    """A lot drawn from is past its expiry: expire it, then spend again."""


def _expire(lot: PointEntry, remaining: int, now: dt.datetime) -> PointEntry:
    entry = _entry(
        lot.party_id,
        EntryKind.EXPIRE,
        remaining,
        -remaining,
        f"ledger:expire:{lot.pk}",
        of_entry=lot,
        reason={"code": "points.expired", "lot": lot.pk},
        created_at=now,
    )
    PointAllocation.objects.create(entry=entry, lot=lot, amount=-remaining)
    if not _take(lot.party_id, remaining):
        raise RuntimeError(f"party {lot.party_id}: balance below lot {lot.pk}")
    return entry


def expire_due(now: dt.datetime | None = None, *, party_id: int | None = None) -> int:
    """Lots past their expiry lose what they hold (a periodic task; idempotent: a lot
    expires once, and nothing is added to a lot after its release)."""
    now = now or timezone.now()
    due = (
        PointEntry.objects.filter(kind__in=LOT_KINDS, expires_at__lte=now)
        .annotate(remaining=Sum("drawn__amount"))
        .filter(remaining__gt=0)
    )
    if party_id is not None:
        due = due.filter(party_id=party_id)
    count = 0
    for pk, owner in list(due.values_list("pk", "party_id")):  # no cursor left open
        try:
            with transaction.atomic():
                _lock(owner)  # then read what the lot holds: no spend draws meanwhile
                if _replayed(f"ledger:expire:{pk}") is not None:
                    continue
                lot = PointEntry.objects.get(pk=pk)
                remaining = lot.drawn.aggregate(s=Sum("amount"))["s"] or 0
                if remaining > 0:
                    _expire(lot, remaining, now)
                    count += 1
        except IntegrityError:
            continue  # another worker expired it meanwhile
    return count


# -- undoing: revoke an earning, refund a spending ------------------------------------------------


def revoke(
    lot: PointEntry, points: int, *, key: str, reason: dict, now: dt.datetime | None = None
) -> PointEntry | None:
    """Take back up to `points` of an earning (an order cancelled or returned). A pending lot
    simply releases less. A released one gives back what it still holds, then what the
    balance holds; what was already spent cannot be taken back, and the entry says how much
    (``reason["short"]``). None when nothing is left to claim."""
    now = now or timezone.now()
    points = _checked(points, now)

    def write() -> PointEntry | None:
        _lock(lot.party_id)
        locked = PointEntry.objects.get(pk=lot.pk)
        if locked.kind not in LOT_KINDS:
            raise PointsRefused("points.not_a_lot")
        already = claimed(locked, EntryKind.REVOKE)
        wanted = min(points, locked.amount - already)
        if wanted <= 0:
            return None
        if not is_released(locked):
            return _entry(
                locked.party_id,
                EntryKind.REVOKE,
                wanted,
                0,
                key,
                of_entry=locked,
                reason={**reason, "pending": True},
                created_at=now,
            )
        # What was spent already cannot be taken back: the entry keeps the whole claim
        # (its amount) and says what could not be taken (``short``); its delta is what was.
        taken = min(wanted, balance_of(locked.party_id))
        if taken and not _take(locked.party_id, taken):
            raise RuntimeError(f"party {locked.party_id}: the balance moved under its lock")
        entry = _entry(
            locked.party_id,
            EntryKind.REVOKE,
            wanted,
            -taken,
            key,
            of_entry=locked,
            reason={**reason, "short": wanted - taken},
            created_at=now,
        )
        if taken:
            lots = usable_lots(locked.party_id, now)
            own = [x for x in lots if x.entry.pk == locked.pk]
            others = [x for x in lots if x.entry.pk != locked.pk]
            if _draw(entry, own + others, taken) != taken:
                raise RuntimeError(f"party {locked.party_id}: lots hold less than the balance")
        return entry

    return _same(_once(key, write), lot.party_id, EntryKind.REVOKE)


def refund(
    spent: PointEntry,
    points: int,
    *,
    key: str,
    reason: dict,
    to_party_id: int | None = None,
    now: dt.datetime | None = None,
) -> PointEntry | None:
    """Give back up to `points` of a spending (its order cancelled or returned): a new lot,
    usable at once, expiring with the latest lot it was drawn from, and at least 30 days
    from now; to ``to_party_id`` when the spender was merged since (the order's party now).
    None when all of it was given back already."""
    now = now or timezone.now()
    owner = to_party_id or spent.party_id
    points = _checked(points, now)

    if spent.kind != EntryKind.SPEND:
        raise PointsRefused("points.not_a_spending")

    def write() -> PointEntry | None:
        for party_id in sorted({spent.party_id, owner}):
            _lock(party_id)  # two refunds of one spending read what was given back in turn
        already = claimed(spent, EntryKind.REFUND)
        back = min(points, spent.amount - already)
        if back <= 0:
            return None
        drawn = list(
            PointEntry.objects.filter(drawn__entry=spent).values_list("expires_at", flat=True)
        )
        # Drawn from points that never expire: these never do either.
        expires = None if None in drawn else max([*drawn, now + REFUND_LIFETIME])
        lot = _entry(
            owner,
            EntryKind.REFUND,
            back,
            back,
            key,
            of_entry=spent,
            reason=reason,
            available_at=now,
            expires_at=expires,
            created_at=now,
        )
        PointAllocation.objects.create(entry=lot, lot=lot, amount=back)
        _add(owner, back)
        return lot

    return _same(_once(key, write), owner, EntryKind.REFUND)


def transfer(
    from_id: int,
    to_id: int,
    *,
    key: str,
    reason: dict,
    lot_keys: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Move a party's points to another (a merge, or its undoing), lot by lot: each keeps
    what it was earned for and when it expires, and a pending one stays pending. Only lots
    whose key starts with ``lot_keys`` when given (an undone merge takes back what it
    brought). The points moved; a replay finds nothing left to move, and the keys refuse a
    twin's second write."""
    now = now or timezone.now()
    with transaction.atomic():
        for party_id in sorted((from_id, to_id)):
            _lock(party_id)
        _move_pending(from_id, to_id, key, reason, lot_keys, now)
        lots = [
            lot
            for lot in usable_lots(from_id, now)
            if lot.entry.idempotency_key.startswith(lot_keys)
        ]
        total = sum(lot.remaining for lot in lots)
        if total:
            out = _entry(
                from_id,
                EntryKind.MOVE,
                total,
                -total,
                f"{key}:out",
                reason=reason,
                created_at=now,
            )
            _draw(out, lots, total)
            if not _take(from_id, total):
                raise RuntimeError(f"party {from_id}: lots hold more than the balance")
            for lot in lots:
                moved_in = _entry(
                    to_id,
                    EntryKind.EARN,
                    lot.remaining,
                    lot.remaining,
                    f"{key}:in:{lot.entry.pk}",
                    of_entry=lot.entry,
                    reason={**lot.entry.reason, "moved": True},
                    available_at=now,
                    expires_at=lot.entry.expires_at,
                    order_id=lot.entry.order_id,
                    created_at=now,
                )
                PointAllocation.objects.create(entry=moved_in, lot=moved_in, amount=lot.remaining)
            _add(to_id, total)
    return sum(
        PointEntry.objects.filter(
            party_id=to_id, idempotency_key__startswith=f"{key}:in:"
        ).values_list("amount", flat=True)
    )


def _move_pending(from_id, to_id, key, reason, lot_keys, now) -> None:
    """Pending lots: the old one will release nothing (taken back while pending), the new
    one releases on the same day."""
    pending = (
        PointEntry.objects.filter(party_id=from_id, kind=EntryKind.EARN, delta=0)
        .exclude(_released())
        .filter(idempotency_key__startswith=lot_keys)
    )
    for lot in pending.order_by("pk"):
        left = lot.amount - claimed(lot, EntryKind.REVOKE)
        if left <= 0:
            continue
        _entry(
            from_id,
            EntryKind.REVOKE,
            left,
            0,
            f"{key}:out:{lot.pk}",
            of_entry=lot,
            reason={**reason, "pending": True},
            created_at=now,
        )
        _entry(
            to_id,
            EntryKind.EARN,
            left,
            0,
            f"{key}:in:{lot.pk}",
            of_entry=lot,
            reason={**lot.reason, "moved": True},
            available_at=lot.available_at,
            expires_at=lot.expires_at,
            order_id=lot.order_id,
            created_at=now,
        )


def consistent(party_id: int) -> bool:
    """The cached balance equals the ledger, and no lot holds less than nothing."""
    negative = (
        PointEntry.objects.filter(party_id=party_id, kind__in=LOT_KINDS)
        .annotate(remaining=Sum("drawn__amount"))
        .filter(Q(remaining__lt=0))
        .exists()
    )
    return balance_of(party_id) == ledger_sum(party_id) and not negative


# -- the hot paths, in SQL ---------------------------------------------------------------------
# Earning at the counter and redeeming are the operations a busy shop repeats; through the ORM
# each took 3-5 ms (bench/ledger.py: 0.06x the bare UPDATE + INSERT on SQLite). Written as
# the few statements they need, on a cursor, they keep the same rules: the entry first (its
# unique key makes a replay fail before anything else is written), the balance by one
# conditional UPDATE (which, on PostgreSQL, locks the party's balance row before the lots
# are read), the allocations in one INSERT.

_INSERT_ENTRY = (
    "INSERT INTO loyalty_pointentry (party_id, kind, amount, delta, reason, available_at, "
    "expires_at, order_id, of_entry_id, idempotency_key, created_at, actor_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, %s, %s, %s) RETURNING id"
)
_ADD = (
    "INSERT INTO loyalty_pointbalance (party_id, available) VALUES (%s, %s) "
    "ON CONFLICT (party_id) DO UPDATE SET available = loyalty_pointbalance.available + "
    "excluded.available"
)
_TAKE = (
    "UPDATE loyalty_pointbalance SET available = available - %s "
    "WHERE party_id = %s AND available >= %s"
)
_LOTS = (
    "SELECT e.id, e.expires_at, SUM(a.amount) FROM loyalty_pointentry e "
    "JOIN loyalty_pointallocation a ON a.lot_id = e.id "
    "WHERE e.party_id = %s AND e.kind IN ('earn', 'refund') "
    "GROUP BY e.id, e.expires_at HAVING SUM(a.amount) > 0 "
    "ORDER BY CASE WHEN e.expires_at IS NULL THEN 1 ELSE 0 END, e.expires_at, e.id"
)


def _moment(value: dt.datetime | None):
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


def _insert_entry(
    cursor,
    party_id,
    kind,
    points,
    delta,
    key,
    reason,
    available_at,
    expires_at,
    order_id,
    actor,
    now,
) -> PointEntry:
    """The entry written, and as the ORM would have returned it."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    cursor.execute(
        _INSERT_ENTRY,
        [
            party_id,
            kind,
            points,
            delta,
            json.dumps(reason, ensure_ascii=False),
            _moment(available_at),
            _moment(expires_at),
            order_id,
            key,
            _moment(now),
            actor_id,
        ],
    )
    entry = PointEntry(
        id=cursor.fetchone()[0],
        party_id=party_id,
        kind=kind,
        amount=points,
        delta=delta,
        reason=reason,
        available_at=available_at,
        expires_at=expires_at,
        order_id=order_id,
        idempotency_key=key,
        created_at=now,
        actor_id=actor_id,
    )
    entry._state.adding, entry._state.db = False, connection.alias
    return entry


def _earn_usable(party_id, points, key, reason, expires_at, order_id, actor, now) -> PointEntry:
    """A lot usable at once: its entry (delta = its points), its own allocation, the balance."""
    with connection.cursor() as cursor:
        lot = _insert_entry(
            cursor,
            party_id,
            EntryKind.EARN,
            points,
            points,
            key,
            reason,
            now,
            expires_at,
            order_id,
            actor,
            now,
        )
        cursor.execute(
            "INSERT INTO loyalty_pointallocation (entry_id, lot_id, amount) VALUES (%s, %s, %s)",
            [lot.pk, lot.pk, points],
        )
        cursor.execute(_ADD, [party_id, points])
    return lot


def _spend_once(party_id, points, key, reason, order_id, actor, now) -> PointEntry:
    with connection.cursor() as cursor:
        entry = _insert_entry(
            cursor,
            party_id,
            EntryKind.SPEND,
            points,
            -points,
            key,
            reason,
            None,
            None,
            order_id,
            actor,
            now,
        )
        cursor.execute(_TAKE, [points, party_id, points])
        if cursor.rowcount != 1:
            raise PointsRefused("points.not_enough", wanted=points, balance=balance_of(party_id))
        cursor.execute(_LOTS, [party_id])
        lots = cursor.fetchall()
        rows, left = [], points
        for lot_id, expires_at, remaining in lots:
            if left <= 0:
                break
            if expires_at is not None and _aware(expires_at) <= now:
                raise _ExpiredFirst
            take = min(int(remaining), left)
            rows += [entry.pk, lot_id, -take]
            left -= take
        if left:  # the cache and the lots disagree: write nothing
            raise RuntimeError(f"party {party_id}: lots hold {points - left} of {points} points")
        values = ", ".join(["(%s, %s, %s)"] * (len(rows) // 3))
        cursor.execute(
            f"INSERT INTO loyalty_pointallocation (entry_id, lot_id, amount) VALUES {values}",
            rows,
        )
    return entry


def _aware(value) -> dt.datetime:
    """A timestamp as the cursor returns it (SQLite: text or naive UTC; PostgreSQL: aware)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
