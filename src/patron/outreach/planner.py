"""Planning a campaign: who gets it, on which channel, and who does not and why.

Parties are taken in batches in id order; each batch is one transaction that locks its
parties, reads what the rules need in bulk (addresses, consents, suppressions, recent
messages), decides, and writes one outbox row per party: queued (maybe held until the quiet
hours end) or skipped with its reason. A batch is all or nothing, and a party already planned
for the campaign is never planned again, so a planner killed half-way is finished by running
it again, and two planners racing keep every party within its budget.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from patron.analytics.lift import in_holdout
from patron.core.bulk import adapt, insert_rows
from patron.core.business import business
from patron.parties.models import Channel, Purpose, RelationshipKind

from . import audience, links, rules
from .channels.status import channel_states
from .models import (
    ADVERTISING,
    KAKAO_CLASSES,
    PURPOSE_OF,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    MessageClass,
    OutboxMessage,
    OutboxStatus,
)
from .segments import segment_parties
from .templating import render, sms_size

BATCH = 2000
OUTBOX_FIELDS = [
    "party",
    "campaign",
    "dedupe_key",
    "channel",
    "address",
    "message_class",
    "variant",
    "values",
    "basis",
    "status",
    "reason",
    "created_at",
    "next_attempt_at",
    # Columns with defaults the bulk insert must still name.
    "topic",
    "content",
    "attempts",
    "claimed_by",
    "provider_id",
]
# When no channel works, the reason shown is the most telling one.
_REASON_ORDER = ("unsubscribed", "suppressed", "no_consent", "unreachable")


@dataclass
class PlanReport:
    counts: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


@dataclass(frozen=True)
class Mailing:
    """One message to many parties: a campaign's, or a cadence's on one day."""

    key: str  # the dedupe prefix: "campaign:12", "cadence:3:2026-11-24"
    snapshot: dict  # the words (services.template_snapshot)
    channel: str  # a CampaignChannel
    campaign_id: int | None = None
    topic: str = ""  # what a message outside a campaign is about: "cadence:3"
    event_id: int | None = None  # an invitation: each message carries its RSVP link
    # The share kept out at random to measure what sending did, and what the draw is keyed
    # by ("campaign:12", "cadence:3": the same people are kept out of a cadence every time).
    holdout_percent: int = 0
    holdout_seed: str = ""

    def key_for(self, party_id: int) -> str:
        return f"{self.key}:party:{party_id}"


def campaign_mailing(campaign: Campaign) -> Mailing:
    key = f"campaign:{campaign.pk}"
    holdout = holdout_of(campaign.holdout_percent, campaign.snapshot["message_class"])
    return Mailing(
        key,
        campaign.snapshot,
        campaign.channel,
        campaign.pk,
        holdout_percent=holdout,
        holdout_seed=key,
    )


def holdout_of(percent: int | None, message_class: str) -> int:
    """The holdout a campaign or a cadence keeps: as set, else the business's share of a
    promotion's audience (10%), and none of any other message's (a service message is
    meant to reach everyone; a newsletter or a greeting may set one)."""
    if percent is not None:
        return percent
    return settings.PATRON_PROMOTION_HOLDOUT if message_class == MessageClass.PROMOTIONAL else 0


def id_ranges(ids: list[int], batch: int) -> list[list[int]]:
    """Sorted ids cut into batches whose id span stays small: the planner reads each batch
    as an id range, which must not sweep a million parties for thirty birthdays."""
    chunks: list[list[int]] = []
    for pk in ids:
        if not chunks or len(chunks[-1]) >= batch or pk - chunks[-1][0] > 4 * batch:
            chunks.append([])
        chunks[-1].append(pk)
    return chunks


def channels_to_try(campaign_channel: str, message_class: str, *, kakao: bool) -> list[str]:
    """The channels to try in order. "Best" for a service notice: KakaoTalk (when the
    template has a registered 알림톡), then SMS, then email: read soonest. For anything
    needing consent: email, then SMS (a promotion never goes by 알림톡)."""
    if campaign_channel != CampaignChannel.BEST:
        if campaign_channel == Channel.KAKAO and message_class not in KAKAO_CLASSES:
            return [Channel.SMS]  # 알림톡 never carries advertising: a text instead
        return [campaign_channel]
    if message_class in KAKAO_CLASSES:
        return (
            [Channel.KAKAO, Channel.SMS, Channel.EMAIL]
            if kakao
            else [
                Channel.SMS,
                Channel.EMAIL,
            ]
        )
    return [Channel.EMAIL, Channel.SMS]


def usable_channels(
    campaign_channel: str, message_class: str, *, kakao: bool, biz, states=None
) -> tuple[list[str], dict[str, dict]]:
    """The channels to try, in order, and why those that cannot send now wait.

    Advertising never goes on a channel the business cannot frame it on (no 080 number for
    texts, no contact). For the best channel, those that send now come before those that
    would make the message wait (a text provider not set up)."""
    states = states or channel_states(biz)
    channels = channels_to_try(campaign_channel, message_class, kakao=kakao)
    if message_class in ADVERTISING:
        channels = [c for c in channels if rules.ad_refused_on(c, biz) is None]
    if campaign_channel == CampaignChannel.BEST:
        channels.sort(key=lambda channel: not states[channel].sends)
    waiting = {c: states[c].waits_reason for c in channels if not states[c].sends}
    return channels, waiting


def do_plan_campaign(
    campaign: Campaign, *, now: dt.datetime | None = None, batch: int = BATCH
) -> PlanReport:
    """Write the campaign's outbox rows for every party of its segment not yet planned."""
    now = now or timezone.now()
    moment = max(now, campaign.send_at) if campaign.send_at else now
    plan = _Plan(campaign_mailing(campaign), moment)
    report = PlanReport()
    parties = segment_parties(campaign.segment.filters, today=moment.date())
    last = 0
    while True:
        if not _still_planning(campaign.pk):
            return report  # paused or cancelled meanwhile: the rest is not planned
        ids = list(parties.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return report
        with transaction.atomic():
            report.counts.update(plan.batch(ids))
        last = ids[-1]


def _still_planning(campaign_id: int) -> bool:
    return Campaign.objects.filter(
        pk=campaign_id, status__in=(CampaignStatus.PLANNING, CampaignStatus.SENDING)
    ).exists()


def do_plan_mailing(
    mailing: Mailing, party_ids, *, moment: dt.datetime, batch: int = BATCH
) -> PlanReport:
    """Plan a mailing for the given parties (a cadence's audience of the day)."""
    plan = _Plan(mailing, moment)
    report = PlanReport()
    for chunk in id_ranges(sorted(set(party_ids)), batch):
        with transaction.atomic():
            report.counts.update(plan.batch(chunk))
    return report


class _Plan:
    """One mailing's decisions, batch by batch."""

    def __init__(self, mailing: Mailing, moment: dt.datetime) -> None:
        self.mailing = mailing
        self.moment = moment
        self.snapshot = mailing.snapshot
        self.message_class = self.snapshot["message_class"]
        self.purpose = PURPOSE_OF[self.message_class]
        self.advertising = self.message_class in ADVERTISING
        self.biz = business()
        self.channels, self.waiting = usable_channels(
            mailing.channel,
            self.message_class,
            kakao=bool(self.snapshot.get("kakao")),
            biz=self.biz,
        )
        self.rules = rules.pressure_rules()
        self.window = dt.timedelta(days=rules.longest_window(self.rules))
        self.quiet = rules.in_quiet_hours(moment, self.biz)
        self._moment = adapt(OutboxMessage, "created_at", moment)
        self.until = rules.quiet_hours_end(moment, self.biz)
        self._held_until = adapt(OutboxMessage, "next_attempt_at", self.until)
        self._stored: dict[str, str] = {}
        self._empty = adapt(OutboxMessage, "values", {})
        self.exception_on = (
            settings.PATRON_TRANSACTION_EXCEPTION
            and self.advertising
            and bool(self.snapshot.get("advertises"))
        )

    def batch(self, ids: list[int]) -> Counter:
        first, last = ids[0], ids[-1]
        audience.lock_between(first, last)
        if self.mailing.campaign_id:
            done = audience.planned_between(self.mailing.campaign_id, first, last)
        else:
            done = audience.planned_keys([self.mailing.key_for(pk) for pk in ids])
        fresh = [pk for pk in ids if pk not in done]
        already = len(ids) - len(fresh)
        ids = fresh
        people = audience.people_between(first, last, self.snapshot["fields"])
        consents = self._consents(first, last)
        nights = self._night_consents(first, last)
        blocked = {
            channel: audience.suppressed_between(first, last, channel) for channel in self.channels
        }
        history = audience.recent_between(first, last, self.moment - self.window)
        bought = (
            audience.last_purchases(ids, self.snapshot["advertises"]) if self.exception_on else {}
        )
        rows, counts = [], Counter()
        if already:
            counts["skipped_already_planned"] = already
        for pk in ids:
            row, outcome = self._decide(people[pk], consents, nights, blocked, history, bought)
            rows.append(row)
            counts[outcome] += 1
        # Every party of the batch was checked against the campaign under the lock above:
        # no row can conflict, and PostgreSQL takes the COPY path.
        insert_rows(OutboxMessage, OUTBOX_FIELDS, rows, adapted=True)
        return counts

    def _consents(self, first: int, last: int) -> dict[str, dict[int, bool]]:
        if self.purpose == Purpose.SERVICE:
            return {}
        return {
            channel: audience.consents_between(first, last, channel, self.purpose)
            for channel in self.channels
        }

    def _night_consents(self, first: int, last: int) -> dict[str, dict[int, bool]]:
        if not self.quiet:
            return {}
        return {
            channel: audience.consents_between(first, last, channel, Purpose.NIGHT)
            for channel in self.channels
            if rules.night_rule_applies(channel, self.message_class, self.biz)
        }

    def _decide(self, person, consents, nights, blocked, history, bought) -> tuple[tuple, str]:
        if not self.channels:
            reason = {"code": "outreach.skip.cannot_advertise"}
            row = self._row(person, Channel.EMAIL, "", {}, OutboxStatus.SKIPPED, reason)
            return row, "skipped_cannot_advertise"
        missing: set[str] = set()
        for channel in self.channels:
            address = person.address(channel)
            if not address:
                missing.add("unreachable")
                continue
            if person.pk in blocked[channel]:
                missing.add("suppressed")
                continue
            basis = self._basis(person.pk, channel, consents, bought, missing)
            if basis is None:
                continue
            return self._queue(person, channel, address, basis, nights, history)
        reason = next(r for r in _REASON_ORDER if r in missing)
        return self._row(
            person,
            self.channels[0],
            "",
            {},
            OutboxStatus.SKIPPED,
            {"code": f"outreach.skip.{reason}"},
        ), f"skipped_{reason}"

    def _basis(self, pk, channel, consents, bought, missing: set[str]) -> dict | None:
        if self.purpose == Purpose.SERVICE:
            return {"code": "basis.service"}
        decision = consents[channel].get(pk)
        if decision is True:
            return rules.consent_basis()
        if decision is False:
            missing.add("unsubscribed")  # a recorded "no" outranks every exception
            return None
        purchased = bought.get(pk)
        if purchased and not rules.basis_expired(rules.transaction_basis(purchased), self.moment):
            return rules.transaction_basis(purchased)
        missing.add("no_consent")
        return None

    def _queue(self, person, channel, address, basis, nights, history) -> tuple[tuple, str]:
        broken = rules.over_budget(
            person.kind, self.message_class, history.get(person.pk, ()), self.rules, self.moment
        )
        if broken is not None:
            reason = {
                "code": "outreach.skip.capped",
                "max": broken.max_messages,
                "days": broken.days,
            }
            return self._row(person, channel, address, basis, OutboxStatus.SKIPPED, reason), (
                "skipped_capped"
            )
        if channel == Channel.SMS and self._too_long_for_sms(person):
            reason = {"code": "outreach.skip.too_long"}
            return self._row(person, channel, address, basis, OutboxStatus.SKIPPED, reason), (
                "skipped_too_long"
            )
        # The holdout is drawn last, among those who would be sent it: the two groups then
        # differ by the message alone.
        if in_holdout(self.mailing.holdout_seed, person.pk, self.mailing.holdout_percent):
            # Kept out to measure: not counted as contact, nothing is sent.
            reason = {"code": "outreach.skip.holdout", "percent": self.mailing.holdout_percent}
            return self._row(person, channel, address, basis, OutboxStatus.SKIPPED, reason), (
                "skipped_holdout"
            )
        history.setdefault(person.pk, []).append((self.message_class, self.moment))
        if channel in self.waiting:
            reason = {
                "code": "outreach.held.channel",
                "channel": channel,
                "why": self.waiting[channel],
            }
            row = self._row(person, channel, address, basis, OutboxStatus.QUEUED, reason)
            return row, f"waiting_{channel}"
        if self.quiet and channel in nights and not nights[channel].get(person.pk):
            reason = {"code": "outreach.held.quiet_hours", "until": self.until.isoformat()}
            row = self._row(
                person, channel, address, basis, OutboxStatus.QUEUED, reason, self.until
            )
            return row, "held_quiet_hours"
        row = self._row(person, channel, address, basis, OutboxStatus.QUEUED, None)
        return row, f"planned_{channel}"

    def _variant(self, person) -> str:
        if person.kind == RelationshipKind.CLIENT and self.snapshot.get("client"):
            return RelationshipKind.CLIENT
        return RelationshipKind.CUSTOMER

    def _too_long_for_sms(self, person) -> bool:
        words = self.snapshot[self._variant(person)]
        values = audience.merge_values(person, self.snapshot["fields"], self.moment, self.biz)
        rendered = render("", words["body"], values, markdown=words["markdown"])
        # The "(광고)" line, the sender and the refusal come on top of the body.
        framed = rules.frame(
            rendered,
            channel=Channel.SMS,
            advertising=self.advertising,
            language=person.language,
            preferences_url="",
            biz=self.biz,
        )
        return sms_size(framed.text).kind == "too_long"

    def _row(self, person, channel, address, basis, status, reason, at=None) -> tuple:
        values = (
            audience.merge_values(person, self.snapshot["fields"], self.moment, self.biz)
            if status == OutboxStatus.QUEUED
            else {}
        )
        if values and self.mailing.event_id and "rsvp_url" in self.snapshot["fields"]:
            values["rsvp_url"] = links.rsvp_url(self.mailing.event_id, person.pk)
        return (
            person.pk,
            self.mailing.campaign_id,
            self.mailing.key_for(person.pk),
            channel,
            address,
            self.message_class,
            self._variant(person),
            json.dumps(values) if values else self._empty,  # plain strings: JSON text as is
            self._json(basis),
            status,
            self._json(reason),
            self._moment,  # created_at: the moment planned for, which the budget counts from
            self._held_until if at else self._moment,
            self.mailing.topic,
            self._content(self._variant(person)),
            0,
            "",
            "",
        )

    def _content(self, variant: str) -> str:
        """A message outside a campaign carries its words (a campaign's are on the campaign)."""
        if self.mailing.campaign_id:
            return self._empty
        return self._json({**self.snapshot[variant], "kakao": self.snapshot.get("kakao")})

    def _json(self, value) -> str | None:
        """JSON as stored, each distinct basis and reason serialised once."""
        if value is None:
            return None
        key = repr(value)
        stored = self._stored.get(key)
        if stored is None:
            stored = adapt(OutboxMessage, "basis", value)
            if len(self._stored) < 64:  # bases and reasons repeat; merge values do not
                self._stored[key] = stored
        return stored
