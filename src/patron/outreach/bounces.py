"""Bounces and complaints reported by an email provider (django-anymail's tracking webhooks):
the address is suppressed at once, and messages queued for it are dropped.

Anymail normalises each provider's webhook (SES, Postmark, SendGrid, Mailgun, Brevo, ...) into
one event; Patron listens to its ``tracking`` signal. The webhook URLs are only served when
ANYMAIL_WEBHOOK_SECRET is set: without it anyone could suppress anyone's address.
"""

from __future__ import annotations

from anymail.signals import EventType, RejectReason, tracking

from patron.core.problems import Problem
from patron.parties.normalize import normalize_email

from .delivery import suppress
from .models import Suppression, SuppressionReason

SUPPRESSING = {
    EventType.BOUNCED: SuppressionReason.HARD_BOUNCE,
    EventType.COMPLAINED: SuppressionReason.COMPLAINT,
}


def is_soft(event) -> bool:
    """A temporary bounce (mailbox full, greylisted): the address stays. Anymail reports soft
    and hard bounces alike as "bounced", so the provider's own words decide."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    bounce = raw.get("bounce") if isinstance(raw.get("bounce"), dict) else {}
    markers = (
        raw.get("Type"),  # Postmark: SoftBounce, Transient, ...
        bounce.get("bounceType"),  # Amazon SES: Transient
        raw.get("severity"),  # Mailgun: temporary
        raw.get("bounce_classification"),  # SendGrid
    )
    soft = {"SoftBounce", "Transient", "DnsError", "temporary", "Technical"}
    return any(marker in soft for marker in markers if isinstance(marker, str))


def on_tracking_event(sender, event, esp_name: str, **kwargs) -> None:
    reason = SUPPRESSING.get(event.event_type)
    if event.event_type == EventType.REJECTED and event.reject_reason == RejectReason.INVALID:
        reason = SuppressionReason.HARD_BOUNCE
    # What a webhook says is the provider's (or a forger's) text: only a mailbox Patron
    # could have written to is suppressed, and every value kept is cut to its column.
    address = normalize_email(str(event.recipient or "")[:1000])
    if reason is None or address is None:
        return
    if event.event_type == EventType.BOUNCED and is_soft(event):
        return
    suppress(
        "email",
        address,
        reason,
        {
            "provider": str(esp_name)[:40],
            "message_id": str(event.message_id or "")[:128],
            "description": str(event.description or "")[:200],
        },
    )


def connect() -> None:
    tracking.connect(on_tracking_event, dispatch_uid="patron.outreach.bounces")


# -- an owner lifts a suppression --------------------------------------------------------------


class SuppressionRefused(Problem):
    """A suppression that cannot be lifted as asked (no reason given)."""


def do_lift_suppression(suppression: Suppression, *, reason: str, actor) -> int:
    """Use the address again (the person asked, the bounce was the provider's mistake): the
    reason, who and when go on the timeline of every party holding it, and to the audit log.
    How many parties hold it."""
    from django.db import transaction

    from patron.core.audit import DELETION, log_change
    from patron.parties.activity import record_activity
    from patron.parties.models import ContactPoint, Party

    reason = " ".join(reason.split())[:300]
    if suppression.reason in (SuppressionReason.COMPLAINT, SuppressionReason.REFUSED):
        # The person's own refusal: only their new consent, not an owner, undoes it.
        raise SuppressionRefused("suppression.person_refused")
    if not reason:
        raise SuppressionRefused("suppression.no_reason")
    kind = "email" if suppression.channel == "email" else "phone"
    holders = set(
        ContactPoint.objects.filter(kind=kind, value=suppression.address).values_list(
            "party_id", flat=True
        )
    )
    holders.update(Party.objects.filter(**{kind: suppression.address}).values_list("pk", flat=True))
    data = {
        "channel": suppression.channel,
        "address": suppression.address,
        "was": suppression.reason,
        "reason": reason,
    }
    with transaction.atomic():
        log_change(actor, suppression, DELETION, {"deleted": data})
        suppression.delete()
        for party_id in holders:
            record_activity(party_id, "suppression.lifted", actor=actor, data=data)
    return len(holders)
