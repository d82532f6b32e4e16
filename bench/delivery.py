"""Messages per second delivered to a local SMTP server, by one worker and by two, against a
bare smtplib loop over one connection.

    python bench/delivery.py [--messages 5000]

The SMTP server (aiosmtpd's Sink handler) runs in a process of its own on 127.0.0.1. On
SQLite (PostgreSQL: run with DATABASE_URL set):
  * bare smtplib: one connection, ``sendmail`` of as many prebuilt messages of the same size;
  * one worker: the courier's loop (`deliver_due`) in this process over a queued campaign:
    claim, check consent and suppressions again, render, frame, send, mark sent;
  * two workers: two `patron deliver`-style processes sharing the queue, timed from the first
    one's start to the last one's end.
Goal: each worker >= 0.5x the bare loop (listmonk's maintainers report ~50,000 a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from outreach_common import engine as database_engine
from outreach_common import setup_django

WORKER = """
import json, os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
django.setup()
from patron.outreach import links
from patron.outreach.delivery import deliver_due
links.preferences_url(1)
start_at = float(sys.argv[1])
while time.time() < start_at:
    time.sleep(0.001)
started, sent = time.time(), 0
while True:
    report = deliver_due(limit=100)
    if not report.handled:
        break
    sent += report.counts.get("sent_email", 0)
print(json.dumps({"start": started, "end": time.time(), "sent": sent}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the SMTP server did not start")


def setup(data_dir: Path, port: int) -> None:
    os.environ.update(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="false",
        DEFAULT_FROM_EMAIL="Hanok Tea <hello@hanok.example>",
        PATRON_EMAIL_QUIET_HOURS="false",
        PATRON_OUTBOX_BATCH="100",
    )
    setup_django(data_dir)


def queue(count: int) -> None:
    """A newsletter planned for `count` parties who all agreed to it."""
    from django.db import connection, transaction
    from django.utils import timezone

    from patron.core.bulk import insert_rows
    from patron.outreach.models import Campaign, OutboxMessage, Segment, Template
    from patron.outreach.planner import do_plan_campaign
    from patron.outreach.services import do_launch_campaign
    from patron.parties.models import Consent, Party, Relationship

    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {OutboxMessage._meta.db_table}")
    if not Party.objects.exists():
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
                    (f"고객{i}", f"고객{i}", f"c{i}@example.com", "", "ko", "b2c", "person", now)
                    for i in range(count)
                ),
            )
            ids = list(Party.objects.values_list("pk", flat=True))
            insert_rows(
                Relationship,
                ["party", "kind", "kind_source", "reasons", "inferred_kind"],
                ((pk, "customer", "inferred", [], "") for pk in ids),
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
                ((pk, "email", "newsletter", True, now, now, 0, "bench", {}) for pk in ids),
            )
    template = Template.objects.create(
        name="news",
        message_class="newsletter",
        subject="이달의 소식",
        body="{{ first_name }} 님, **이달의 소식**입니다.\n\n" + "새 차와 다구 이야기. " * 20,
    )
    chosen = Campaign.objects.create(
        name="news", template=template, channel="email", segment=Segment.objects.create(name="all")
    )
    do_launch_campaign(chosen)
    do_plan_campaign(chosen)


def sample_message() -> bytes:
    """A message as large as the courier's, for the bare loop."""
    from patron.outreach.delivery import compose
    from patron.outreach.models import OutboxMessage

    row = OutboxMessage.objects.select_related("campaign").first()
    outgoing = compose(row, None)
    from django.core.mail import EmailMultiAlternatives

    email = EmailMultiAlternatives(
        outgoing.subject,
        outgoing.text,
        "hello@hanok.example",
        [outgoing.to],
        headers=outgoing.headers,
    )
    email.attach_alternative(outgoing.html, "text/html")
    return email.message().as_bytes(linesep="\r\n")  # as Django's SMTP backend sends it


def bench_bare(port: int, count: int, data: bytes) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(count):
            smtp.sendmail("hello@hanok.example", [f"c{i}@example.com"], data)
    return count / (time.perf_counter() - started)


def bench_one_worker(count: int) -> float:
    from patron.outreach import links
    from patron.outreach.delivery import deliver_due

    links.preferences_url(1)  # loads the URL routes (the web's modules): a worker does it once

    started, sent = time.perf_counter(), 0
    while True:
        report = deliver_due(limit=100)
        if not report.handled:
            break
        sent += report.counts.get("sent_email", 0)
    assert sent == count, (sent, count)
    return sent / (time.perf_counter() - started)


def bench_two_workers(count: int) -> float:
    from django.db import connection

    connection.close()
    start_at = time.time() + 3.0  # both processes set up Django before the start line
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(start_at)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [json.loads(worker.communicate()[0].strip().splitlines()[-1]) for worker in workers]
    sent = sum(r["sent"] for r in results)
    assert sent == count, (sent, count)
    return sent / (max(r["end"] for r in results) - min(r["start"] for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    port = free_port()
    server = start_smtp(port)
    try:
        with tempfile.TemporaryDirectory() as temporary:
            setup(Path(temporary), port)

            queue(args.messages)
            bare = bench_bare(port, args.messages, sample_message())
            one = bench_one_worker(args.messages)
            queue(args.messages)
            two = bench_two_workers(args.messages)
            engine = database_engine()
    finally:
        server.terminate()
        server.wait()
    print(f"\n== {engine}: {args.messages:,} emails to a local aiosmtpd ==")
    print(f"bare smtplib loop     {bare:8,.0f} messages/s ({bare * 60:,.0f} a minute)")
    print(f"one worker            {one:8,.0f} messages/s ({one * 60:,.0f} a minute)")
    print(f"two workers           {two:8,.0f} messages/s ({two * 60:,.0f} a minute)")
    print(f"one worker vs bare    {one / bare:8.2f}x  (goal >= 0.5x)")
    print(f"per worker of two     {two / 2 / bare:8.2f}x  (goal >= 0.5x)")


if __name__ == "__main__":
    main()
