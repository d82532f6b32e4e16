"""Points earned and redeemed per second, against the bare statements they need.

    python bench/ledger.py [--operations 5000]

One process per database (the PostgreSQL pass re-runs this script with DATABASE_URL set).
Patron: `loyalty.ledger.earn` of a lot usable at once (its entry, its allocation, the
balance's upsert) and `loyalty.ledger.spend` (the entry, whose unique key refuses a replay;
the conditional UPDATE of the balance; the lots read; the allocations), each one
transaction, over `--operations` parties with one lot each: the counter's case. A party
with years of lots reads more of them; a pending earning is released later by a periodic
step (not measured here). Floor: per operation, one
transaction of the bare conditional UPDATE of the balance and the INSERT of one ledger row.
Goal: each >= 0.5x the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from outreach_common import engine as database_engine
from outreach_common import postgres_pass, setup_django

GOAL = 0.5


def populate(count: int) -> list[int]:
    import datetime as dt

    from patron.core.bulk import insert_rows
    from patron.parties.models import Party

    made = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    insert_rows(
        Party,
        [
            "display_name",
            "name_key",
            "email",
            "phone",
            "locale",
            "market",
            "party_type",
            "created_at",
        ],
        [(f"p{i}", f"p{i}", "", "", "ko", "b2c", "person", made) for i in range(count)],
    )
    return list(Party.objects.order_by("pk").values_list("pk", flat=True))


def patron_earn(ids: list[int], now) -> float:
    from patron.loyalty import ledger

    later = now + dt.timedelta(days=1000)
    started = time.perf_counter()
    for pk in ids:
        ledger.earn(
            pk,
            1000,
            key=f"earn:{pk}",
            reason={"code": "bench"},
            available_at=now,
            expires_at=later,
            now=now,
        )
    return time.perf_counter() - started


def patron_spend(ids: list[int], now) -> float:
    from patron.loyalty import ledger

    started = time.perf_counter()
    for pk in ids:
        ledger.spend(pk, 100, key=f"spend:{pk}", reason={"code": "bench"}, now=now)
    return time.perf_counter() - started


def floor(ids: list[int], now, tag: str) -> float:
    """Per operation: BEGIN; the conditional UPDATE; one INSERT; COMMIT."""
    from django.db import connection, transaction

    update = (
        "UPDATE loyalty_pointbalance SET available = available - %s "
        "WHERE party_id = %s AND available >= %s"
    )
    insert = (
        "INSERT INTO loyalty_pointentry (party_id, kind, amount, delta, reason, "
        "idempotency_key, created_at) VALUES (%s, 'spend', %s, %s, %s, %s, %s)"
    )
    started = time.perf_counter()
    for pk in ids:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(update, [1, pk, 1])
            cursor.execute(insert, [pk, 1, -1, '{"code": "bench"}', f"{tag}:{pk}", now])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--operations", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(Path(data_dir))
        from django.utils import timezone

        now = timezone.now()
        ids = populate(args.operations)
        earned = patron_earn(ids, now)
        bare_earn = floor(ids, now, "floor-earn")
        spent = patron_spend(ids, now)
        bare_spend = floor(ids, now, "floor-spend")
        engine = database_engine()
        n = len(ids)
        for what, ours, bare in (("earn", earned, bare_earn), ("redeem", spent, bare_spend)):
            ratio = bare / ours
            print(
                f"{engine} {what}: {n / ours:,.0f} operations/s; bare UPDATE + INSERT "
                f"{n / bare:,.0f}/s; ratio to the floor {ratio:.2f}x "
                f"(goal >= {GOAL}x: {'met' if ratio >= GOAL else 'NOT met'})"
            )
    postgres_pass(__file__, ["--operations", str(args.operations)])


if __name__ == "__main__":
    main()
