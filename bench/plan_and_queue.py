"""Planning a campaign into the outbox, against the bare insert of as many outbox rows.

    python bench/plan_and_queue.py [--parties 100000]

One process per database (the PostgreSQL pass re-runs this script with DATABASE_URL set):
  * Patron: `do_plan_campaign` for a promotion to every party, at 22:00 Korean time, with every
    rule evaluated: consent (70% agreed, 10% said no, the rest never asked), suppressions (2%),
    the weekly budget (10% already had two promotions), the night rule (10% agreed to
    advertising at night), unreachable parties (10% have no email).
  * floor: the same number of outbox rows with the same columns, written by the bare
    operation the machine must do: `executemany` in one transaction (SQLite), `COPY`
    (PostgreSQL), into the outbox table itself.
Goal: Patron's time <= 3x the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from outreach_common import engine as database_engine
from outreach_common import postgres_pass, setup_django

KST = dt.timezone(dt.timedelta(hours=9))
MOMENT = dt.datetime(2026, 6, 1, 22, 0, tzinfo=KST)


def populate(count: int) -> None:
    """Parties with the mix of consents, suppressions and history described above."""
    from django.db import transaction
    from django.utils import timezone

    from patron.core.bulk import insert_rows
    from patron.outreach.models import OutboxMessage, Suppression
    from patron.parties.models import Consent, Party, Relationship

    now = timezone.now()
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
                    "" if i % 10 == 9 else f"c{i}@example.com",
                    "",
                    "ko",
                    "b2c",
                    "person",
                    now,
                )
                for i in range(count)
            ),
        )
    ids = list(Party.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        insert_rows(
            Relationship,
            ["party", "kind", "kind_source", "reasons", "inferred_kind"],
            ((pk, "customer", "inferred", [], "") for pk in ids),
        )
        consent = []
        for n, pk in enumerate(ids):
            if n % 10 == 8:
                consent.append((pk, "email", "marketing", False))
            elif n % 10 < 7:
                consent.append((pk, "email", "marketing", True))
            if n % 10 == 1:
                consent.append((pk, "email", "night", True))
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
            ((pk, ch, pu, g, now, now, 0, "bench", {}) for pk, ch, pu, g in consent),
        )
        insert_rows(
            Suppression,
            ["channel", "address", "reason", "detail", "created_at"],
            (("email", f"c{n}@example.com", "bounced", {}, now) for n in range(0, count, 50)),
        )
        insert_rows(
            OutboxMessage,
            [
                "party",
                "dedupe_key",
                "channel",
                "address",
                "message_class",
                "variant",
                "values",
                "content",
                "basis",
                "status",
                "created_at",
                "next_attempt_at",
                "topic",
                "attempts",
                "claimed_by",
                "provider_id",
            ],
            (
                (
                    pk,
                    f"earlier:{k}:{pk}",
                    "email",
                    "",
                    "promotional",
                    "",
                    {},
                    {},
                    {},
                    "sent",
                    MOMENT - dt.timedelta(days=k + 1),
                    MOMENT,
                    "",
                    0,
                    "",
                    "",
                )
                for n, pk in enumerate(ids)
                if n % 10 == 2
                for k in range(2)
            ),
        )


def analyze() -> None:
    """Table statistics, as a business's database has them (autovacuum keeps them; a table
    filled a second ago has none, and PostgreSQL would plan its joins for empty tables)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def campaign():
    from patron.outreach.models import Campaign, Segment, Template
    from patron.outreach.services import do_launch_campaign

    template = Template.objects.create(
        name="spring",
        message_class="promotional",
        subject="봄 신상품",
        body="{{ first_name }} 님, **봄 신상품**을 만나보세요.",
    )
    segment = Segment.objects.create(name="everyone", filters={})
    chosen = Campaign.objects.create(
        name="spring", template=template, segment=segment, channel="email"
    )
    do_launch_campaign(chosen, now=MOMENT)
    return chosen


def floor_rows(count: int, campaign_id: int) -> list[tuple]:
    values = json.dumps({"first_name": "고객"})
    return [
        (
            pk,
            campaign_id,
            f"floor:{pk}",
            "email",
            f"c{pk}@example.com",
            "promotional",
            "customer",
            values,
            "{}",
            json.dumps({"code": "basis.consent"}),
            "queued",
            None,
            MOMENT.isoformat(),
            MOMENT.isoformat(),
            "",
            0,
            "",
            "",
        )
        for pk in range(1, count + 1)
    ]


COLUMNS = [
    "party_id",
    "campaign_id",
    "dedupe_key",
    "channel",
    "address",
    "message_class",
    "variant",
    "values",
    "content",
    "basis",
    "status",
    "reason",
    "created_at",
    "next_attempt_at",
    "topic",
    "attempts",
    "claimed_by",
    "provider_id",
]


def bench_floor(count: int, campaign_id: int) -> float:
    from django.db import connection, transaction

    rows = floor_rows(count, campaign_id)
    table = "outreach_outboxmessage"
    quoted = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                rows,
            )
    elapsed = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE dedupe_key LIKE 'floor:%%'")
    return elapsed


def run_one_database(count: int) -> None:

    from patron.outreach.planner import do_plan_campaign

    populate(count)
    analyze()
    chosen = campaign()
    floor = bench_floor(count, chosen.pk)
    started = time.perf_counter()
    report = do_plan_campaign(chosen, now=MOMENT).as_dict()
    patron = time.perf_counter() - started
    engine = database_engine()
    print(f"\n== {engine}: a promotion planned for {count:,} parties ==")
    print("decided: " + ", ".join(f"{k} {v:,}" for k, v in report.items()))
    print(f"patron planning      {patron:8.2f} s  ({count / patron:,.0f} parties/s)")
    floor_name = "COPY" if engine == "PostgreSQL" else "executemany"
    print(f"bare insert ({floor_name:<11}){floor:6.2f} s  ({count / floor:,.0f} rows/s)")
    print(f"ratio to the floor   {patron / floor:8.2f}x  (goal <= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        setup_django(Path(temporary))
        run_one_database(args.parties)
    postgres_pass(__file__, ["--parties", str(args.parties)])


if __name__ == "__main__":
    main()
