"""Reading back what became of sent texts: delivered, failed and why, or sent as an SMS when
KakaoTalk could not deliver. "Sent" only says the provider took a message; a carrier's or
Kakao's report says whether it arrived.

A sent text asks its provider from a minute after sending, then less and less often
(``next_attempt_at``), until a final answer comes or ``GIVE_UP`` has passed: carriers report
within 72 hours (NHN Cloud marks an SMS without a report failed after 25 hours, an LMS after
80), so after four days the message stays "sent" with "no report", and stops being asked.
Email has no such report (the mail server's acceptance is all SMTP says; bounces come later
through the provider's webhook).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from patron.core.business import business
from patron.parties.models import Channel

from .channels import DELIVERED, FAILED, PENDING, DeliveryFailure, Receipt, sender_for
from .channels.status import LIVE, channel_states
from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger("patron.outreach")

REPORT_FIRST = dt.timedelta(minutes=1)
GIVE_UP = dt.timedelta(days=4)
_WAITS = [1, 2, 5, 15, 30, 60, 180]  # minutes between asks, the last repeated
BATCH = 200
TEXT_CHANNELS = (Channel.SMS, Channel.KAKAO)


def next_ask(sent_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When to ask again: the wait grows with the time since sending."""
    elapsed = (now - sent_at).total_seconds() / 60
    total = 0
    for wait in _WAITS:
        total += wait
        if elapsed < total:
            return now + dt.timedelta(minutes=wait)
    return now + dt.timedelta(minutes=_WAITS[-1])


def read_due_receipts(*, now: dt.datetime | None = None, limit: int = BATCH) -> Counter:
    """Ask the providers about sent texts whose time to ask has come; record what they say."""
    now = now or timezone.now()
    counts: Counter = Counter()
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.SENT,
            channel__in=TEXT_CHANNELS,
            next_attempt_at__lte=now,
            report__isnull=True,
        )
        .exclude(provider_id="")
        .order_by("next_attempt_at")[:limit]
    )
    if not due:
        return counts
    biz = business()
    states = channel_states(biz, now)
    by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in due:
        by_channel[row.channel].append(row)
    for channel, rows in by_channel.items():
        if states[channel].mode != LIVE:
            # The provider was taken away: nobody to ask until it is back.
            counts.update(_wait_for_report(rows, now))
            continue
        try:
            sender = sender_for(channel, biz)
            sender.open()
            try:
                receipts = sender.read_receipts([row.provider_id for row in rows])
            finally:
                sender.close()
        except DeliveryFailure as failure:
            logger.warning("delivery reports from %s could not be read: %s", channel, failure)
            counts.update(_wait_for_report(rows, now))
            counts["reports_unreadable"] += len(rows)
            continue
        for row in rows:
            counts[record_receipt(row, receipts.get(row.provider_id), now)] += 1
    return counts


def record_receipt(row: OutboxMessage, receipt: Receipt | None, now: dt.datetime) -> str:
    """Write what the provider reported for one message; what became of it, as a count key."""
    from .delivery import suppress

    if receipt is None or receipt.state == PENDING:
        return _wait_for_report([row], now)[0]
    report = {"code": f"delivery.{receipt.state}", "error": receipt.code}
    if receipt.detail:
        report["detail"] = receipt.detail[:300]
    if receipt.fallback:
        report["fallback"] = receipt.fallback
    if receipt.state == DELIVERED:
        _settle(row, OutboxStatus.DELIVERED, report, delivered_at=now)
        return "delivered_as_text" if receipt.fallback else "delivered"
    if receipt.state == FAILED:
        with transaction.atomic():
            _settle(row, OutboxStatus.FAILED, report)
            if receipt.suppress and row.address:
                suppress(row.channel, row.address, receipt.suppress, {"error": receipt.code})
        return "failed_report"
    _settle(row, OutboxStatus.SENT, report)  # unconfirmed: sent, arrival never confirmed
    return "unconfirmed"


def _wait_for_report(rows: list[OutboxMessage], now: dt.datetime) -> list[str]:
    """Asked again later; after GIVE_UP, left "sent" with no report, and not asked again."""
    outcomes = []
    for row in rows:
        if row.sent_at and now - row.sent_at > GIVE_UP:
            _settle(row, OutboxStatus.SENT, {"code": "delivery.no_report"})
            outcomes.append("no_report")
        else:
            _ask_later([row], now)
            outcomes.append("report_pending")
    return outcomes


def _settle(row: OutboxMessage, status: str, report: dict, *, delivered_at=None) -> None:
    fields = {"status": status, "report": report}
    if delivered_at is not None:
        fields["delivered_at"] = delivered_at
    if status == OutboxStatus.FAILED:
        fields["reason"] = {**report, "code": "outreach.failed"}
    OutboxMessage.objects.filter(pk=row.pk, status=OutboxStatus.SENT).update(**fields)


def _ask_later(rows: list[OutboxMessage], now: dt.datetime) -> None:
    for row in rows:
        OutboxMessage.objects.filter(pk=row.pk).update(
            next_attempt_at=next_ask(row.sent_at or now, now)
        )
