"""Counting and previewing a segment, against the bare SQL COUNT of the same filter.

    python bench/segments.py [--parties 1000000]

One process per database (the PostgreSQL pass re-runs this script with DATABASE_URL set). The
segment: customers who agreed to offers (their newest decision is a yes), reachable by email,
bought in the last year. Patron: the segment's count and its first page of 25 parties, as the
segment page shows them, through `segment_parties`. Floor: one hand-written SQL COUNT with
the same conditions. Goal: Patron <= 2x the floor (Mautic users report minutes at 700k).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from outreach_common import engine as database_engine
from outreach_common import postgres_pass, setup_django

FILTERS = {
    "kind": ["customer"],
    "consent": ["marketing"],
    "reachable": ["email"],
    "bought_since": "2025-06-01",
}
BATCH = 50_000


def populate(count: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from patron.core.bulk import insert_rows
    from patron.insight.models import PartyScore, ScoringRun
    from patron.parties.models import Consent, Party, Relationship

    now = timezone.now()
    ScoringRun.objects.create(model="bgnbd", status="done")  # the scores below are its
    for start in range(0, count, BATCH):
        stop = min(start + BATCH, count)
        with transaction.atomic():
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
                (
                    (
                        f"고객{i}",
                        f"고객{i}",
                        "" if i % 7 == 0 else f"c{i}@example.com",
                        "",
                        "ko",
                        "b2c",
                        "person",
                        now,
                    )
                    for i in range(start, stop)
                ),
            )
            ids = list(
                Party.objects.filter(name_key__in=[f"고객{i}" for i in (start, stop - 1)])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            first = ids[0]
            span = range(first, first + (stop - start))
            insert_rows(
                Relationship,
                ["party", "kind", "kind_source", "reasons", "inferred_kind"],
                ((pk, "client" if pk % 10 == 0 else "customer", "inferred", [], "") for pk in span),
            )
            insert_rows(
                Consent,
                [
                    "party",
                    "channel",
                    "purpose",
                    "granted",
                    "recorded_at",
                    "decided_at",
                    "reconfirmed_period",
                    "source",
                    "evidence",
                ],
                (
                    (pk, "email", "marketing", pk % 5 != 0, now, now, 0, "bench", {})
                    for pk in span
                    if pk % 3 != 0
                ),
            )
            insert_rows(
                PartyScore,
                [
                    "party",
                    "frequency",
                    "recency",
                    "age",
                    "monetary",
                    "first_purchase",
                    "last_purchase",
                    "p_alive",
                    "expected_purchases_90d",
                    "expected_spend",
                    "clv",
                    "stage",
                    "propensity_reasons",
                ],
                (
                    (
                        pk,
                        2,
                        10.0,
                        100.0,
                        30000.0,
                        dt.date(2024, 1, 1),
                        dt.date(2025, 1, 1) + dt.timedelta(days=pk % 700),
                        0.8,
                        0.5,
                        30000.0,
                        50000.0,
                        "active",
                        [],
                    )
                    for pk in span
                ),
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


FLOOR = """
SELECT COUNT(*) FROM parties_party p
JOIN parties_relationship r ON r.party_id = p.id
JOIN insight_partyscore s ON s.party_id = p.id
WHERE p.merged_into_id IS NULL AND r.kind = 'customer' AND p.email <> ''
  AND s.last_purchase >= '2025-06-01'
  AND EXISTS (
    SELECT 1 FROM parties_consent c
    WHERE c.party_id = p.id AND c.purpose = 'marketing' AND c.granted
      AND NOT EXISTS (
        SELECT 1 FROM parties_consent n
        WHERE n.party_id = c.party_id AND n.channel = c.channel AND n.purpose = c.purpose
          AND n.recorded_at > c.recorded_at))
"""


def best_of(runs: int, function) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_one_database(count: int) -> None:
    from django.db import connection

    from patron.outreach.segments import check_filters, segment_parties

    populate(count)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR)
            return cursor.fetchone()[0]

    def patron():
        parties = segment_parties(check_filters(FILTERS))
        return parties.count(), list(parties.order_by("pk")[:25])

    floor_time, floor_count = best_of(3, floor)
    patron_time, (patron_count, _page) = best_of(3, patron)
    assert patron_count == floor_count, (patron_count, floor_count)
    engine = database_engine()
    print(f"\n== {engine}: a segment over {count:,} parties ({patron_count:,} in it) ==")
    print(f"patron count + first page {patron_time:8.3f} s")
    print(f"bare SQL COUNT            {floor_time:8.3f} s")
    print(f"ratio to the floor        {patron_time / floor_time:8.2f}x  (goal <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        setup_django(Path(temporary))
        run_one_database(args.parties)
    postgres_pass(__file__, ["--parties", str(args.parties)])


if __name__ == "__main__":
    main()
