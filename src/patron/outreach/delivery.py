"""The courier: takes due messages from the outbox, checks them again, sends them, records.

- Claiming: a batch of due rows is marked "sending" by this process with a lease, in one short
  transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so two couriers take different rows;
  SQLite: the IMMEDIATE transaction makes select-and-mark one step).
- Just before each send the row is read again: an unsubscribe that arrived meanwhile has
  already turned it to "skipped", and it is not sent.
- Each message is marked sent right after the provider accepted it, so a courier killed
  mid-batch resends at most the one message it was sending, with the same Message-ID.
- A temporary failure waits (exponential backoff with jitter) and tries again up to
  PATRON_OUTBOX_MAX_ATTEMPTS; a permanent one fails the message and, for a bounce or a
  blocked number, suppresses the address for good.
- Rows left "sending" by a courier that died go back to the queue (``release_dead_claims``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from patron.core.bulk import adapt
from patron.core.business import Business, business, ensure_installation
from patron.core.db import wait_out_busy
from patron.core.runs import process_alive, this_process
from patron.parties.consent import current_consents
from patron.parties.models import Channel, Purpose

from . import links, rules
from .audience import people
from .channels import (
    ChannelRefused,
    DeliveryFailure,
    Outgoing,
    PermanentFailure,
    Sender,
    TemporaryFailure,
    sender_for,
)
from .channels.status import DEMO, ChannelState, channel_states
from .models import (
    ADVERTISING,
    PURPOSE_OF,
    Campaign,
    CampaignStatus,
    ChannelPause,
    OutboxMessage,
    OutboxStatus,
    Suppression,
)
from .receipts import REPORT_FIRST
from .templating import Rendered, euc_kr_ready, fill_kakao, render, texts_fit

logger = logging.getLogger("patron.outreach")

LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)


@dataclass
class DeliveryReport:
    counts: Counter = field(default_factory=Counter)

    @property
    def handled(self) -> int:
        return sum(self.counts.values())


def deliver_due(*, limit: int | None = None, now: dt.datetime | None = None) -> DeliveryReport:
    """Send one batch of due messages; what happened to each, counted. Channels that are not
    set up, or paused by their provider, are left alone: their messages wait."""
    report = DeliveryReport()
    release_dead_claims(now)
    biz = business()
    states = channel_states(biz, now)
    if not biz.installation:  # Message-IDs need it, and the composer reads no database
        biz = ensure_installation()
    sending = [channel for channel, state in states.items() if state.sends]
    rows = claim(limit or settings.PATRON_OUTBOX_BATCH, now, channels=sending)
    if not rows:
        return report
    clock = _Clock(now)
    by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in _recheck(rows, report, clock.now()):
        by_channel[row.channel].append(row)
    for channel, group in by_channel.items():
        _send_group(states[channel], group, report, biz, clock)
    return report


class _Clock:
    """The time each message is sent at: the batch's given moment (tests and benches fix it)
    plus the time that has passed since, so the night rule is asked of every message at its
    own time, not only when the batch was claimed."""

    def __init__(self, start: dt.datetime | None) -> None:
        self.start = start or timezone.now()
        self.began = time.monotonic()

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.began)


def claim(
    limit: int, now: dt.datetime | None = None, *, channels: list[str] | None = None
) -> list[OutboxMessage]:
    now = now or timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status=OutboxStatus.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if channels is not None:
            due = due.filter(channel__in=channels)
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENDING, claimed_by=this_process(), lease_until=now + LEASE
        )
    rows = list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))
    # Each campaign once per batch, not once per row: its snapshot (the words) is the largest
    # thing a row carries, and decoding it per message showed in bench/delivery.py.
    campaigns = Campaign.objects.in_bulk({row.campaign_id for row in rows if row.campaign_id})
    for row in rows:
        if row.campaign_id:
            row.campaign = campaigns[row.campaign_id]
    return rows


def release_dead_claims(now: dt.datetime | None = None) -> int:
    """Rows a dead courier was holding go back to the queue, to be sent (again) now."""
    now = now or timezone.now()
    released = 0
    holders = (
        OutboxMessage.objects.filter(status=OutboxStatus.SENDING)
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    for holder in list(holders):
        # This process's own rows count as stale only when their lease ran out (a courier
        # that renews its lease per message never lets that happen while it works).
        gone = holder != this_process() and process_alive(holder) is False
        stale = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_by=holder)
        if not gone:
            stale = stale.filter(lease_until__lt=now)
        # Any of them may have been taken by the provider just before the courier died.
        released += stale.update(
            status=OutboxStatus.QUEUED,
            lease_until=None,
            claimed_by="",
            reason={"code": "outreach.recheck", "unsure": True},
        )
    return released


# Bases on which a message goes to a party who never said yes (a "no" still stops it).
_NEEDS_NO_YES = ("basis.transaction", rules.SURVEY_BASIS)


def _recheck(rows: list[OutboxMessage], report: DeliveryReport, now) -> list[OutboxMessage]:
    """Consent, suppression and the night rule, asked again at the moment of sending."""
    blocked = set(
        Suppression.objects.filter(
            address__in=[row.address for row in rows if row.address]
        ).values_list("channel", "address")
    )
    decisions = _consents_in_force(rows)
    ready = []
    for row in rows:
        reason = None
        campaign_status = row.campaign.status if row.campaign_id else None
        if campaign_status == CampaignStatus.PAUSED:
            # Paused since it was claimed (or put back by a retry): held with the rest.
            _finish(row, OutboxStatus.HELD, keeping_unsure(row, {"code": "outreach.held.paused"}))
            report.counts["held_paused"] += 1
            continue
        if campaign_status == CampaignStatus.CANCELLED:
            reason = {"code": "outreach.skip.cancelled"}
        elif (row.channel, row.address) in blocked:
            reason = {"code": "outreach.skip.suppressed"}
        elif PURPOSE_OF[row.message_class] != Purpose.SERVICE:
            decision = decisions.get((row.channel, PURPOSE_OF[row.message_class]), {}).get(
                row.party_id
            )
            if decision is False:
                reason = {"code": "outreach.skip.unsubscribed"}
            elif decision is None and row.basis.get("code") not in _NEEDS_NO_YES:
                reason = {"code": "outreach.skip.no_consent"}
            elif decision is None and rules.basis_expired(row.basis, now):
                reason = {"code": "outreach.skip.basis_expired"}
        if reason is not None:
            _finish(row, OutboxStatus.SKIPPED, reason)
            report.counts[reason["code"].rpartition(".")[2]] += 1
            continue
        ready.append(row)
    return ready


def _consents_in_force(rows: list[OutboxMessage]) -> dict[tuple[str, str], dict[int, bool]]:
    wanted: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        purpose = PURPOSE_OF[row.message_class]
        if purpose != Purpose.SERVICE:
            wanted[(row.channel, purpose)].append(row.party_id)
    return {key: current_consents(ids, *key) for key, ids in wanted.items()}


def _night_consents(rows: list[OutboxMessage]) -> dict[tuple[str, int], bool]:
    """Who agreed to advertising at night, per channel: read for every batch with
    advertising in it, as the night may begin while the batch is being sent."""
    found: dict[tuple[str, int], bool] = {}
    channels = {row.channel for row in rows if row.message_class in ADVERTISING}
    for channel in channels:
        ids = [row.party_id for row in rows if row.channel == channel]
        for party_id, granted in current_consents(ids, channel, Purpose.NIGHT).items():
            found[(channel, party_id)] = granted
    return found


def _held_for_night(row: OutboxMessage, nights: dict, moment: dt.datetime, biz) -> bool:
    return (
        rules.night_rule_applies(row.channel, row.message_class, biz)
        and rules.in_quiet_hours(moment, biz)
        and not nights.get((row.channel, row.party_id))
    )


def _hold_for_night(row: OutboxMessage, moment: dt.datetime, biz) -> None:
    until = rules.quiet_hours_end(moment, biz)
    _requeue(row, until, {"code": "outreach.held.quiet_hours", "until": until.isoformat()})


def _send_group(
    state: ChannelState, rows: list[OutboxMessage], report: DeliveryReport, biz, clock: _Clock
) -> None:
    party_people = people(row.party_id for row in rows)
    nights = _night_consents(rows)
    try:
        sender = sender_for(state.channel, biz)
        sender.open()
    except ChannelRefused as refusal:
        _pause(state.channel, refusal, rows, report)
        return
    except TemporaryFailure as failure:
        for row in rows:
            _retry_later(row, failure, report)
        return
    except DeliveryFailure as failure:
        for row in rows:
            _failed(row, failure, report)
        return
    done_status = OutboxStatus.DEMO if state.mode == DEMO else OutboxStatus.SENT
    relaxed = _relax_commits()
    prepared = _prepared(sender, rows, party_people, biz)
    try:
        lost = False
        renewed = time.monotonic()
        ours: set[int] = set()
        for position, (row, ready) in enumerate(prepared):
            if time.monotonic() - renewed > RENEW_EVERY:
                _renew_leases()
                renewed = time.monotonic()
            if lost:
                failure = TemporaryFailure(f"{state.channel}.unreachable")
                _retry_later(row, failure, report, tried=False)
                continue
            if position % CHECK_AHEAD == 0:
                ours = _still_ours([r.pk for r in rows[position : position + CHECK_AHEAD]])
            if row.pk in ours and _held_for_night(row, nights, clock.now(), biz):
                _hold_for_night(row, clock.now(), biz)
                report.counts["held_quiet_hours"] += 1
                continue
            try:
                outcome = _send_one(sender, row, ready, report, row.pk in ours, done_status)
            except ChannelRefused as refusal:
                _pause(state.channel, refusal, rows[position:], report)
                break
            except Exception as exc:
                # Whatever went wrong with this one (an answer no adapter expected), the
                # message waits for another try and the rest of the batch goes on.
                logger.exception("message %s could not be sent", row.pk)
                _retry_later(row, TemporaryFailure("unexpected", str(exc)), report)
                continue
            lost = outcome == "connection_lost"
        else:
            if state.mode != DEMO:
                ChannelPause.objects.filter(channel=state.channel).delete()
    finally:
        prepared.close()
        sender.close()
        if relaxed:
            _restore_commits()


def _pause(channel: str, refusal: ChannelRefused, rows, report: DeliveryReport) -> None:
    """The provider refused the account: the channel waits (longer after each refusal, up to
    six hours, or until an owner changes the settings); these messages go back untried."""
    now = timezone.now()
    with transaction.atomic():
        pause = ChannelPause.objects.filter(channel=channel).first()
        tries = pause.tries + 1 if pause else 1
        wait = min(PAUSE_FIRST * 2 ** (tries - 1), MAX_BACKOFF)
        reason = {"code": "outreach.paused", "error": refusal.code, "detail": refusal.detail}
        ChannelPause.objects.update_or_create(
            channel=channel,
            defaults={
                "reason": reason,
                "since": pause.since if pause else now,
                "tries": tries,
                "retry_at": now + wait,
            },
        )
        for row in rows:
            _requeue(row, now + wait, reason)
    report.counts["paused"] += len(rows)
    logger.warning("%s paused for %s: %s", channel, wait, refusal)


PAUSE_FIRST = dt.timedelta(minutes=15)


def _relax_commits() -> bool:
    """PostgreSQL: while this batch is sent, its "sent" marks are committed without waiting
    for the disk flush. A courier killed mid-batch loses nothing it committed (at most the
    one message in flight goes again, the guarantee the tests check); only a crash of the
    database server itself could lose the last fraction of a second of marks, and those
    messages would go again with their same Message-ID. Waiting for the flush was 0.7 ms of
    each message's 1.9 ms (bench/delivery.py)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    return True


def _restore_commits() -> None:
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit")


_AHEAD = 64  # messages composed ahead of the one being sent
_HANDOFF = 16  # messages handed from the composer to the sender at once


def _prepared(sender: Sender, rows: list[OutboxMessage], party_people: dict, biz):
    """(row, the message ready to send, or the failure composing it), composed in a thread of
    its own: while the sender waits on the server's answers (most of an SMTP exchange), the
    next messages are rendered and encoded (measured: bench/delivery.py). Closing the
    generator early (a paused channel) stops the composer."""
    ready: queue.Queue = queue.Queue(maxsize=_AHEAD // _HANDOFF)
    stop = threading.Event()

    def hand_over(items) -> bool:
        while not stop.is_set():
            try:
                ready.put(items, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def compose_all() -> None:
        # Handed over a few at a time: one wake-up of the sender per message cost more
        # (in switches between the threads) than composing the message.
        done: list = []
        for row in rows:
            if stop.is_set():
                return
            try:
                item = sender.prepare(compose(row, party_people.get(row.party_id), biz))
            except DeliveryFailure as failure:
                item = failure
            except Exception as exc:  # a message that cannot be composed fails alone
                logger.exception("message %s could not be composed", row.pk)
                item = PermanentFailure("compose", str(exc))
            done.append((row, item))
            if len(done) >= _HANDOFF:
                if not hand_over(done):
                    return
                done = []
        if hand_over(done):
            hand_over(None)

    worker = threading.Thread(target=compose_all, name="patron-compose", daemon=True)
    worker.start()
    try:
        while (items := ready.get()) is not None:
            yield from items
    finally:
        stop.set()
        worker.join()


def _send_one(
    sender: Sender, row: OutboxMessage, ready, report: DeliveryReport, ours: bool, status: str
) -> str:
    # An unsubscribe or a suppression since the claim has turned the row to "skipped".
    if not ours:
        report.counts["cancelled"] += 1
        return "cancelled"
    try:
        if isinstance(ready, DeliveryFailure):
            raise ready
        provider_id = _taken_before(sender, ready) or sender.send(ready)
    except TemporaryFailure as failure:
        _retry_later(row, failure, report)
        return "connection_lost" if failure.connection_lost else "retry"
    except PermanentFailure as failure:
        _failed(row, failure, report)
        return "failed"
    _mark_sent(row.pk, provider_id, status)
    report.counts[f"{status}_{row.channel}"] += 1
    return "sent"


def _taken_before(sender: Sender, ready) -> str:
    """A message whose earlier try may have reached the provider is looked up there by its
    own key before it goes again: a courier killed after the provider took it, or an answer
    lost on the way back, sends nothing twice."""
    if not getattr(ready, "unsure", False):
        return ""
    try:
        return sender.find_sent(ready)
    except (TemporaryFailure, ChannelRefused):
        raise
    except DeliveryFailure as failure:
        # The lookup was refused, not the message: it waits, still to be looked up.
        raise TemporaryFailure(failure.code, failure.detail) from failure


def was_unsure(row: OutboxMessage) -> bool:
    return bool((row.reason or {}).get("unsure"))


def keeping_unsure(row: OutboxMessage, reason: dict) -> dict:
    """A row's new reason, still saying an earlier try may have been taken."""
    return {**reason, "unsure": True} if was_unsure(row) else reason


# The two statements run for every message: through the cursor, as the ORM's query building
# cost more than the statements themselves (bench/delivery.py).
_TABLE = OutboxMessage._meta.db_table


def _still_ours(ids: list[int]) -> set[int]:
    """Which of these rows are still this courier's to send: not dropped by an unsubscribe,
    not taken over by another courier after a lease ran out. A read, no commit, for the
    next few messages at once (a few milliseconds of sending): one query per message was
    the courier's largest cost on PostgreSQL (bench/delivery.py). The lease itself is
    renewed for the whole batch (_renew_leases) long before it can run out."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_TABLE} WHERE id IN ({', '.join(['%s'] * len(ids))}) "
            "AND status = %s AND claimed_by = %s",
            [*ids, OutboxStatus.SENDING, this_process()],
        )
        return {row[0] for row in cursor.fetchall()}


CHECK_AHEAD = 8  # messages whose ownership is read at once, just before they are sent
RENEW_EVERY = 30.0  # seconds; far inside the lease


def _renew_leases() -> None:
    OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_by=this_process()).update(
        lease_until=timezone.now() + LEASE
    )


MARK_PATIENCE = 600.0  # seconds a "sent" mark waits out a database another process holds


def _mark_sent(pk: int, provider_id: str, status: str = OutboxStatus.SENT) -> None:
    """Recorded right after the provider took it. A busy database is waited out as long as
    an import's batches wait (MARK_PATIENCE): a message sent but not recorded would go again
    once its lease ran out, so the mark outwaits any lock a batch holds. The lease is renewed
    meanwhile. A text's delivery report is asked for from REPORT_FIRST on
    (``next_attempt_at``)."""
    now = timezone.now()
    sent_at = adapt(OutboxMessage, "sent_at", now)
    ask_at = adapt(OutboxMessage, "next_attempt_at", now + REPORT_FIRST)

    def mark() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_TABLE} SET status = %s, sent_at = %s, provider_id = %s, "
                "attempts = attempts + 1, lease_until = NULL, reason = NULL, "
                "next_attempt_at = %s WHERE id = %s",
                [status, sent_at, provider_id[:128], ask_at, pk],
            )

    wait_out_busy(mark, MARK_PATIENCE, on_retry=_renew_leases_quietly)


def _renew_leases_quietly() -> None:
    with contextlib.suppress(OperationalError):
        _renew_leases()


def compose(row: OutboxMessage, person, biz: Business | None = None) -> Outgoing:
    """The message as the party reads it, in their language, with the law's framing."""
    biz = biz or business()
    words = row.campaign.snapshot[row.variant] if row.campaign_id else row.content
    preferences = links.preferences_url(row.party_id)
    values = {**row.values, "preferences_url": preferences}
    if row.channel != Channel.EMAIL:
        values = texts_fit(values)
    rendered = render(words.get("subject", ""), words["body"], values, markdown=words["markdown"])
    purpose = PURPOSE_OF[row.message_class]
    unsubscribe = (
        links.unsubscribe_url(row.party_id, row.channel, purpose)
        if purpose != Purpose.SERVICE
        else ""
    )
    language = person.language if person else settings.PATRON_MESSAGE_LANGUAGE
    framed = rules.frame(
        rendered,
        channel=row.channel,
        advertising=row.message_class in ADVERTISING,
        language=language,
        preferences_url=preferences,
        unsubscribe_url=unsubscribe,
        biz=biz,
    )
    if row.channel != Channel.EMAIL:
        # What EUC-KR can carry: NFC Hangul, plain spaces and dashes (templating).
        framed = Rendered(euc_kr_ready(framed.subject), euc_kr_ready(framed.text), "")
    headers = {}
    if unsubscribe.startswith("https://"):
        # RFC 8058 §3.1: one-click needs an HTTPS URI; the POST body mail clients send.
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message_id = links.message_id(row.dedupe_key, row.channel, biz)
    kakao = row.campaign.snapshot.get("kakao") if row.campaign_id else row.content.get("kakao")
    if row.channel == Channel.KAKAO and kakao:
        text, variables = fill_kakao(kakao["text"], kakao["variables"], values)
        fallback = framed.text if settings.PATRON_KAKAO_SMS_FALLBACK else ""
        return Outgoing(
            to=row.address,
            subject=framed.subject,
            text=text,
            message_id=message_id,
            template_code=kakao["code"],
            variables=variables,
            fallback_text=fallback,
            attempt=row.attempts,
            unsure=was_unsure(row),
        )
    return Outgoing(
        to=row.address,
        subject=framed.subject,
        text=framed.text,
        html=framed.html,
        message_id=message_id,
        headers=headers,
        attempt=row.attempts,
        unsure=was_unsure(row),
    )


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... retry periods (PATRON_OUTBOX_RETRY_SECONDS), up to 6 hours, each with
    ±50% jitter so a queue that failed together does not retry together."""
    base = settings.PATRON_OUTBOX_RETRY_SECONDS * (2 ** max(attempts - 1, 0))
    seconds = min(base, MAX_BACKOFF.total_seconds()) * random.uniform(0.5, 1.5)
    return dt.timedelta(seconds=seconds)


def _retry_later(
    row: OutboxMessage, failure: TemporaryFailure, report: DeliveryReport, *, tried: bool = True
) -> None:
    attempts = row.attempts + (1 if tried else 0)
    if attempts >= settings.PATRON_OUTBOX_MAX_ATTEMPTS:
        _failed(row, PermanentFailure("gave_up", failure.detail), report, attempts=attempts)
        return
    reason = {"code": "outreach.retry", "error": failure.code, "attempts": attempts}
    if (tried and failure.unsure) or was_unsure(row):
        reason["unsure"] = True
    OutboxMessage.objects.filter(pk=row.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.QUEUED,
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(max(attempts, 1)),
        lease_until=None,
        claimed_by="",
        reason=reason,
    )
    report.counts["retry_later"] += 1


def _failed(
    row: OutboxMessage, failure: DeliveryFailure, report: DeliveryReport, *, attempts=None
) -> None:
    reason = {"code": "outreach.failed", "error": failure.code, "detail": failure.detail}
    with transaction.atomic():
        _finish(row, OutboxStatus.FAILED, reason, attempts=attempts or row.attempts + 1)
        if failure.suppress and row.address:
            suppress(row.channel, row.address, failure.suppress, {"error": failure.code})
    report.counts["failed"] += 1


def suppress(channel: str, address: str, reason: str, detail: dict) -> bool:
    """Never send to this address again; messages queued for it are dropped now."""
    try:
        with transaction.atomic():
            Suppression.objects.create(
                channel=channel, address=address, reason=reason, detail=detail
            )
    except IntegrityError:
        return False  # already suppressed
    OutboxMessage.objects.filter(
        channel=channel, address=address, status=OutboxStatus.QUEUED
    ).update(status=OutboxStatus.SKIPPED, reason={"code": "outreach.skip.suppressed"})
    return True


def _finish(row: OutboxMessage, status: str, reason: dict, *, attempts=None) -> None:
    fields = {"status": status, "reason": reason, "lease_until": None}
    if attempts is not None:
        fields["attempts"] = attempts
    OutboxMessage.objects.filter(pk=row.pk).update(**fields)


def _requeue(row: OutboxMessage, at: dt.datetime, reason: dict) -> None:
    """Back to the queue, if it is still this courier's (an unsubscribe or a cancellation
    since the claim has turned it "skipped": it stays so)."""
    OutboxMessage.objects.filter(
        pk=row.pk, status=OutboxStatus.SENDING, claimed_by=this_process()
    ).update(
        status=OutboxStatus.QUEUED,
        next_attempt_at=at,
        lease_until=None,
        claimed_by="",
        reason=keeping_unsure(row, reason),
    )
