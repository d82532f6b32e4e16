"""A campaign's life after launch: it ends when its last message is settled, and an owner or a
manager may pause it, resume it, cancel what has not gone yet, or archive it.

Settled: delivered, failed, not sent (with the reason), printed in demo mode, sent by email
(the mail server's acceptance is all SMTP tells), or sent as a text whose report came or will
not come any more (receipts.GIVE_UP). A campaign whose messages wait for a channel that is not
set up is not done: it says how many wait and why.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from patron.core.audit import do_set_archived, log_state
from patron.core.problems import Problem

from .models import (
    CAMPAIGN_ACTIVE,
    UNSETTLED,
    Campaign,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from .queries import campaign_report
from .receipts import TEXT_CHANNELS


class CampaignChangeRefused(Problem):
    """A change a campaign in its state cannot take (resume what is not paused...)."""


def unsettled(campaign_id: int) -> Q:
    awaiting_report = Q(status=OutboxStatus.SENT, channel__in=TEXT_CHANNELS, report__isnull=True)
    return Q(campaign_id=campaign_id) & (
        Q(status__in=UNSETTLED) | (awaiting_report & ~Q(provider_id=""))
    )


def settle_campaigns(now: dt.datetime | None = None) -> int:
    """Campaigns sending whose every message is settled are done, with their totals."""
    now = now or timezone.now()
    finished = 0
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING):
        if OutboxMessage.objects.filter(unsettled(campaign.pk)).exists():
            continue
        finished += Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.DONE, finished_at=now, totals=campaign_report(campaign)
        )
    return finished


def do_pause_campaign(campaign: Campaign, *, actor=None) -> int:
    """Hold what has not gone yet (queued messages wait; planning stops between batches).
    Returns how many messages were held."""
    with transaction.atomic():
        changed = Campaign.objects.filter(
            pk=campaign.pk,
            status__in=(CampaignStatus.SCHEDULED, CampaignStatus.PLANNING, CampaignStatus.SENDING),
        ).update(status=CampaignStatus.PAUSED, problem={"code": "campaign.paused_from"})
        if not changed:
            raise CampaignChangeRefused("campaign.not_pausable", status=campaign.status)
        # Being sent too: the courier sends only rows still "sending" and its own. One it
        # was sending at that moment, or one an earlier try may have reached the provider
        # with, is looked up there before it goes again (delivery._taken_before).
        rows = OutboxMessage.objects.filter(campaign_id=campaign.pk)
        unsure = Q(status=OutboxStatus.SENDING) | Q(reason__unsure=True)
        held = 0
        for chosen, reason in (
            (rows.filter(unsure), {"code": "outreach.held.paused", "unsure": True}),
            (rows.filter(status=OutboxStatus.QUEUED), {"code": "outreach.held.paused"}),
        ):
            held += chosen.filter(status__in=(OutboxStatus.QUEUED, OutboxStatus.SENDING)).update(
                status=OutboxStatus.HELD, reason=reason, claimed_by="", lease_until=None
            )
        Campaign.objects.filter(pk=campaign.pk).update(
            problem={"code": "campaign.paused_from", "was": campaign.status, "held": held}
        )
    campaign.refresh_from_db()
    log_state(actor, campaign, "paused")
    return held


def do_resume_campaign(campaign: Campaign, *, actor=None, now: dt.datetime | None = None) -> int:
    """Send what the pause held; a campaign paused before planning is planned again."""
    now = now or timezone.now()
    was = (campaign.problem or {}).get("was", CampaignStatus.SENDING)
    status = CampaignStatus.PLANNING if was in (CampaignStatus.PLANNING,) else was
    if status == CampaignStatus.SCHEDULED and campaign.send_at and campaign.send_at <= now:
        status = CampaignStatus.PLANNING
    with transaction.atomic():
        changed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.PAUSED).update(
            status=status, problem=None
        )
        if not changed:
            raise CampaignChangeRefused("campaign.not_paused", status=campaign.status)
        held = OutboxMessage.objects.filter(campaign_id=campaign.pk, status=OutboxStatus.HELD)
        released = held.filter(reason__unsure=True).update(
            status=OutboxStatus.QUEUED,
            reason={"code": "outreach.recheck", "unsure": True},
            next_attempt_at=F("created_at"),
        )
        released += held.update(
            status=OutboxStatus.QUEUED, reason=None, next_attempt_at=F("created_at")
        )
    campaign.refresh_from_db()
    log_state(actor, campaign, "resumed")
    return released


def do_cancel_campaign(campaign: Campaign, *, actor=None, now: dt.datetime | None = None) -> int:
    """Nothing more goes: what waits is marked not sent (cancelled). What went stays in the
    report. Returns how many messages were cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Campaign.objects.filter(
            pk=campaign.pk, status__in=(CampaignStatus.DRAFT, *CAMPAIGN_ACTIVE)
        ).update(status=CampaignStatus.CANCELLED, finished_at=now)
        if not changed:
            raise CampaignChangeRefused("campaign.not_cancellable", status=campaign.status)
        cancelled = OutboxMessage.objects.filter(
            campaign_id=campaign.pk,
            status__in=(OutboxStatus.QUEUED, OutboxStatus.HELD, OutboxStatus.SENDING),
        ).update(status=OutboxStatus.SKIPPED, reason={"code": "outreach.skip.cancelled"})
        campaign.refresh_from_db()
        Campaign.objects.filter(pk=campaign.pk).update(totals=campaign_report(campaign))
    campaign.refresh_from_db()
    log_state(actor, campaign, "cancelled")
    return cancelled


def do_archive_campaign(campaign: Campaign, *, archived: bool = True, actor=None) -> None:
    """Out of the lists (kept with its report and history), or back."""
    if archived and campaign.status in CAMPAIGN_ACTIVE:
        raise CampaignChangeRefused("campaign.archive_active", status=campaign.status)
    do_set_archived(campaign, archived, actor=actor)
    campaign.refresh_from_db()
