"""Keeping in touch: templates, segments, campaigns, and the outbox every message goes through.

Every message Patron sends or decides not to send is one ``OutboxMessage`` row, written in the
same transaction as the decision: the row is the send queue, the campaign's report and the
party's timeline entry at once (a skip is a row with its reason, never a silent gap).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.commerce.models import Offering
from patron.core.runs import TrackedRun
from patron.parties.models import Channel, Party, Purpose, RelationshipKind


class MessageClass(models.TextChoices):
    PROMOTIONAL = "promotional", _("Promotion")
    NEWSLETTER = "newsletter", _("Newsletter")
    LOYALTY = "loyalty", _("Loyalty reward")
    SURVEY = "survey", _("Survey")
    SERVICE = "service", _("Service notice")
    PERSONAL = "personal", _("Personal message")


# Advertising information in the sense of 정보통신망법 §50: "(광고)", sender, refusal, night rule.
ADVERTISING = (MessageClass.PROMOTIONAL, MessageClass.NEWSLETTER, MessageClass.LOYALTY)
# Counted against the contact-pressure budget. Service notices and personal one-to-one
# messages stand outside caps and marketing opt-outs.
CAPPED = (*ADVERTISING, MessageClass.SURVEY)
# 알림톡 carries information only (Kakao's rule): service notices and personal messages.
KAKAO_CLASSES = (MessageClass.SERVICE, MessageClass.PERSONAL)
PURPOSE_OF = {
    MessageClass.PROMOTIONAL: Purpose.MARKETING,
    MessageClass.LOYALTY: Purpose.MARKETING,
    MessageClass.NEWSLETTER: Purpose.NEWSLETTER,
    MessageClass.SURVEY: Purpose.SURVEYS,
    MessageClass.SERVICE: Purpose.SERVICE,
    MessageClass.PERSONAL: Purpose.SERVICE,
}


class TemplateFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    PLAIN = "plain", _("Plain text")


class KakaoTemplateStatus(models.TextChoices):
    REQUESTED = "requested", _("Under Kakao's review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    STOPPED = "stopped", _("Stopped")


class KakaoTemplate(models.Model):
    """A KakaoTalk 알림톡 template as the business registered it with Kakao: its code and the
    exact approved text. Patron never changes the text; it fills only the ``#{...}``
    variables, each from an allowlisted merge field (``variables``: {"#{고객명}": "name"})."""

    name = models.CharField(max_length=120)
    code = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    variables = models.JSONField(default=dict, blank=True)
    # Kakao's review: only an approved template can be sent (NHN -3005, Solapi 3105).
    status = models.CharField(
        max_length=10, choices=KakaoTemplateStatus, default=KakaoTemplateStatus.APPROVED
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Template(models.Model):
    """What a campaign says, with a variant for clients (the source article: customers hear
    about price, features and "use it right away"; clients about the people, reviews and
    years served). Merge fields come from a small allowlist (outreach.templating)."""

    name = models.CharField(max_length=120)
    message_class = models.CharField(max_length=16, choices=MessageClass)
    format = models.CharField(max_length=8, choices=TemplateFormat, default=TemplateFormat.MARKDOWN)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    client_subject = models.CharField(max_length=200, blank=True)
    client_body = models.TextField(blank=True)  # "" = the same as for customers
    # For KakaoTalk: the registered template sent instead of the text above (which remains
    # the SMS fallback when KakaoTalk cannot deliver).
    kakao = models.ForeignKey(
        KakaoTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)  # kept, out of the choices

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """A saved filter over parties (outreach.segments reads ``filters``)."""

    name = models.CharField(max_length=120)
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class CampaignChannel(models.TextChoices):
    BEST = "best", _("Best reachable channel per party")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS / LMS")
    KAKAO = "kakao", _("KakaoTalk 알림톡")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PLANNING = "planning", _("Choosing who receives it")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    # Every message settled: delivered, failed, not sent, or sent with no report to wait for.
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


# A campaign in these states may still send something.
CAMPAIGN_ACTIVE = (
    CampaignStatus.SCHEDULED,
    CampaignStatus.PLANNING,
    CampaignStatus.SENDING,
    CampaignStatus.PAUSED,
)


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="campaigns")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="campaigns")
    channel = models.CharField(max_length=8, choices=CampaignChannel, default=CampaignChannel.BEST)
    status = models.CharField(max_length=16, choices=CampaignStatus, default=CampaignStatus.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True)  # null: as soon as it is launched
    # What the campaign advertises: the Korean transaction exception (§50① proviso) covers
    # parties who bought these within six months, when the business turns it on.
    advertises = models.ManyToManyField(Offering, blank=True, related_name="+")
    # The template's words as they were at launch: later edits never change what was sent.
    snapshot = models.JSONField(default=dict, blank=True)
    # The share of the audience kept out at random to measure what sending did (holdouts.py);
    # empty: 10% for a promotion, none for a service message.
    holdout_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    plan = models.JSONField(default=dict, blank=True)  # the planner's counts (PlanReport)
    problem = models.JSONField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # done or cancelled
    totals = models.JSONField(default=dict, blank=True)  # the report when it finished
    archived_at = models.DateTimeField(null=True, blank=True)  # kept, out of the lists

    def __str__(self) -> str:
        return self.name

    @property
    def message_class(self) -> str:
        return self.snapshot.get("message_class") or self.template.message_class


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    HELD = "held", _("Held: the campaign is paused")
    SENDING = "sending", _("Being sent")
    # Accepted by the mail server or the provider: not yet known to have arrived.
    SENT = "sent", _("Sent")
    # The provider reported it arrived (a carrier's or Kakao's delivery report).
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Could not be delivered")
    SKIPPED = "skipped", _("Not sent")
    # A channel in demo mode printed it on the console: nobody received it.
    DEMO = "demo", _("Demo: printed, not sent")


# What a message's status can still become: the courier or a delivery report changes these.
UNSETTLED = (OutboxStatus.QUEUED, OutboxStatus.HELD, OutboxStatus.SENDING)
# Counted as contact (pressure budgets, "touched lately"): what went out or will.
OUTGOING = (
    OutboxStatus.QUEUED,
    OutboxStatus.HELD,
    OutboxStatus.SENDING,
    OutboxStatus.SENT,
    OutboxStatus.DELIVERED,
    OutboxStatus.DEMO,
)
LEFT = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.DEMO)


class OutboxMessage(models.Model):
    """One message to one party on one channel, or the decision not to send it."""

    # Indexed by the (party, class, created) pressure index.
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Indexed by the (campaign, party) report index.
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    # What the message is about when it is not a campaign's: "incident:4", "confirm:..."
    topic = models.CharField(max_length=64, blank=True)
    # One row per (campaign or topic, party, channel): planning again adds nothing, and the
    # Message-ID derived from it is the same on every try (a duplicate is recognisable).
    dedupe_key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=8, choices=Channel)
    address = models.CharField(max_length=254, blank=True)
    message_class = models.CharField(max_length=16, choices=MessageClass)
    variant = models.CharField(max_length=16, choices=RelationshipKind, blank=True)
    # Merge-field values (campaign messages) or the finished words (notices): what was said.
    values = models.JSONField(default=dict, blank=True)
    content = models.JSONField(default=dict, blank=True)
    # Why Patron may send it: {"code": "basis.consent", ...} or the transaction exception.
    basis = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=OutboxStatus, default=OutboxStatus.QUEUED)
    # Why it was skipped, held or failed, as a message (core.wording).
    reason = models.JSONField(null=True, blank=True)
    # What the provider finally reported (delivered, failed and why, sent as an SMS instead of
    # KakaoTalk), as a message; empty until a report came.
    report = models.JSONField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The provider's id for it ("solapi:M4V...", "nhn-sms:<requestId>:<seq>"), which its
    # delivery report is asked by. For a sent text, ``next_attempt_at`` is when to ask next.
    provider_id = models.CharField(max_length=128, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["party", "message_class", "created_at"], name="outbox_pressure"),
            models.Index(fields=["channel", "address"], name="outbox_address"),
            # The planner asks "who in this id range has the campaign already" per batch.
            models.Index(fields=["campaign", "party"], name="outbox_campaign_party"),
        ]


class ChannelPause(models.Model):
    """A channel the provider refused as a whole (keys, balance, an IP allow-list, a sender
    number): nothing is sent on it until ``retry_at`` or until an owner changes the settings,
    and every outreach page says why."""

    channel = models.CharField(max_length=8, choices=Channel, unique=True)
    reason = models.JSONField()  # the provider's answer, as a message
    since = models.DateTimeField(default=timezone.now)
    retry_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=1)


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "bounced", _("The address does not exist (hard bounce)")
    COMPLAINT = "complaint", _("Marked as spam")
    INVALID = "invalid", _("The number cannot receive messages")
    REFUSED = "refused", _("Refused by the provider's opt-out list")
    MANUAL = "manual", _("Added by a person")


class Suppression(models.Model):
    """An address or number Patron never sends to again (bounces, complaints, blocked)."""

    channel = models.CharField(max_length=8, choices=Channel)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=16, choices=SuppressionReason)
    detail = models.JSONField(default=dict, blank=True)  # provider, code, message id
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="suppression_unique")
        ]


ANY = "*"


class PressureRule(models.Model):
    """At most ``max_messages`` of a class (or of every capped class: "*") in ``days``, for
    parties of a relationship kind (or every kind: "*"). A row replaces the default below for
    the same kind and class (outreach.rules.pressure_rules)."""

    kind = models.CharField(max_length=16, default=ANY)
    message_class = models.CharField(max_length=16, default=ANY)
    max_messages = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "message_class"], name="pressure_rule_unique")
        ]


# Customers: at most 2 promotions a week (the default) and 4 capped messages a week.
# Clients: fewer promotions (one a month) and room for updates and surveys.
DEFAULT_PRESSURE_RULES = [
    (ANY, MessageClass.PROMOTIONAL, 2, 7),
    (ANY, ANY, 4, 7),
    (RelationshipKind.CUSTOMER, MessageClass.PROMOTIONAL, 2, 7),
    (RelationshipKind.CUSTOMER, ANY, 4, 7),
    (RelationshipKind.CLIENT, MessageClass.PROMOTIONAL, 1, 30),
    (RelationshipKind.CLIENT, ANY, 4, 30),
]


# -- keep-in-touch cadences, the daily plan, and people's tasks -----------------------------------


class CadenceRule(models.TextChoices):
    CHECK_IN = "check_in", _("Check in with a client we have not touched in a while")
    BIRTHDAY = "birthday", _("Birthday greeting")
    ANNIVERSARY = "anniversary", _("Anniversary of the relationship")
    SURVEY_AFTER_ENGAGEMENT = "survey_after", _("Survey after an engagement")
    REVIEW_REQUEST = "review_request", _("Review request after a finished engagement")
    NEWSLETTER = "newsletter", _("Monthly newsletter")
    AFTER_EVENT = "after_event", _("Follow-up after attending an event")


class Cadence(models.Model):
    """A keep-in-touch rule the daily planner applies. Automatic ones put a message in the
    outbox (through every consent and pressure rule); personal ones (a check-in) become a
    task for the party's account manager."""

    name = models.CharField(max_length=120)
    rule = models.CharField(max_length=16, choices=CadenceRule)
    kind = models.CharField(max_length=16, default=ANY)  # a relationship kind, or "*"
    # The rule's number: days without a touch, days after an engagement, day of the month.
    days = models.PositiveSmallIntegerField(default=0)
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=CampaignChannel, default=CampaignChannel.BEST)
    enabled = models.BooleanField(default=True)
    holdout_percent = models.PositiveSmallIntegerField(null=True, blank=True)  # as a campaign's

    def __str__(self) -> str:
        return self.name


class PlanRun(TrackedRun):
    """One day's run of the daily planner (one per day: a second run for the day plans
    nothing twice, and says so)."""

    day = models.DateField()
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day"], name="plan_run_day")]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


class Task(models.Model):
    """Something a person does for a party: a check-in call, a next best action."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What to do and why, as a message (core.wording): {"code": "task.check_in", "days": 94}
    action = models.JSONField()
    due = models.DateField()
    status = models.CharField(max_length=8, choices=TaskStatus, default=TaskStatus.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["assignee", "status", "due"], name="task_today")]


# -- incidents --------------------------------------------------------------------------------


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft: nobody told yet")
    OPEN = "open", _("Open: people told")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    """A problem the business tells the affected people about at once (a service notice:
    outside caps, opt-outs and quiet hours), then updates them and tells them when it is
    resolved: silence during a problem is the failure the source article warns of."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    offerings = models.ManyToManyField(Offering, blank=True, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=IncidentStatus, default=IncidentStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class IncidentNoticeKind(models.TextChoices):
    NOTICE = "notice", _("First notice")
    UPDATE = "update", _("Update")
    RESOLUTION = "resolution", _("Resolved")


class IncidentNotice(models.Model):
    """One message about an incident, approved by a person and sent to every affected party."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=12, choices=IncidentNoticeKind)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    planned = models.JSONField(default=dict, blank=True)  # the planner's counts


# -- seminars and events -----------------------------------------------------------------------


class Event(models.Model):
    """A seminar, a class, an open day: invites a segment, takes answers through signed
    links, reminds those coming the day before, and records who came."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)  # an address, or a link
    capacity = models.PositiveIntegerField(null=True, blank=True)
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, related_name="+")
    message_class = models.CharField(
        max_length=16, choices=MessageClass, default=MessageClass.NEWSLETTER
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    invitation = models.JSONField(default=dict, blank=True)  # the planner's counts
    # Cancelled: no reminder goes, and those who said yes are told.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.title


class Rsvp(models.Model):
    party_merge = "keep"  # one answer per party and event: a merge leaves both as given

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="answers")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    coming = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "party"], name="rsvp_unique")]
