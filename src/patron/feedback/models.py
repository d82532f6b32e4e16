"""Listening: surveys and their answers, and feedback items that nothing ignores.

A survey is asked through a ``SurveyInvitation``: one signed link for one party about one
thing (an order, an engagement, the relationship as a whole, a complaint closed). The answer
is kept on the invitation (one answer per link). An unhappy answer, a comment, or what a
member heard becomes a ``FeedbackItem`` with an owner and two due times counted in working
hours (core.hours).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.commerce.models import Engagement, Offering, Order
from patron.outreach.models import Incident, KakaoTemplate, OutboxMessage
from patron.parties.models import Party


class SurveyKind(models.TextChoices):
    NPS = "nps", _("NPS: would they recommend us (0–10)")
    CSAT = "csat", _("CSAT: how satisfied they were (1–5)")


SCALE = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}


class Survey(models.Model):
    """What is asked and when. One NPS survey asks about the relationship on a schedule per
    relationship kind; the CSAT survey asks after an engagement took place or an order was
    made; a CSAT survey for one offering replaces it for that offering (its own words, its
    own delay)."""

    kind = models.CharField(max_length=8, choices=SurveyKind)
    offering = models.ForeignKey(
        Offering, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    question_en = models.CharField(max_length=300)
    question_ko = models.CharField(max_length=300)
    reason_en = models.CharField(max_length=300)
    reason_ko = models.CharField(max_length=300)
    # CSAT: hours after the engagement ended or the order was made.
    delay_hours = models.PositiveIntegerField(default=24)
    # NPS: days between two asks, per relationship kind ("*": every other kind; 0: never).
    every_days = models.JSONField(default=dict, blank=True)
    # An approved 알림톡 template to invite with (else a text, else an email).
    kakao = models.ForeignKey(
        KakaoTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(offering=None), name="survey_one_general"
            ),
            models.UniqueConstraint(fields=["kind", "offering"], name="survey_one_per_offering"),
        ]

    def question(self, language: str) -> str:
        return self.question_ko if language.startswith("ko") else self.question_en

    def reason_question(self, language: str) -> str:
        return self.reason_ko if language.startswith("ko") else self.reason_en


class ListeningSettings(models.Model):
    """The business's rules for asking (one row)."""

    # At most one survey per person in this many days, across every channel.
    gap_days = models.PositiveSmallIntegerField(default=30)
    # A survey link works this many days; an answer can be changed this many hours.
    link_days = models.PositiveSmallIntegerField(default=30)
    edit_hours = models.PositiveSmallIntegerField(default=24)


class InvitationStatus(models.TextChoices):
    QUEUED = "queued", _("Invited")
    SKIPPED = "skipped", _("Not asked")
    ANSWERED = "answered", _("Answered")


class SurveyInvitation(models.Model):
    """One survey link for one party about one thing, and the party's answer."""

    party_merge = "keep"  # an answer stays as given, like an RSVP: a merge moves nothing

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    kind = models.CharField(max_length=8, choices=SurveyKind)
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    # What it asks about, once per party: "engagement:12", "order:40", "nps:2026-12-07",
    # "follow_up:7", "pilot:3". A second plan for the same thing adds nothing.
    about = models.CharField(max_length=64)
    subject = models.CharField(max_length=200, blank=True)  # named in the question
    offering = models.ForeignKey(
        Offering, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follow_up_of = models.ForeignKey(
        "FeedbackItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    pilot = models.ForeignKey(
        "Pilot", null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    # Who the party was when asked: the results by kind and manager count it so.
    relationship_kind = models.CharField(max_length=16, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=InvitationStatus, default=InvitationStatus.QUEUED
    )
    reason = models.JSONField(null=True, blank=True)  # why it was not asked, as a message
    message = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    nonce = models.CharField(max_length=32)  # in the link: an id alone opens nothing
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "about"], name="invitation_once"),
        ]
        indexes = [
            models.Index(fields=["party", "send_at"], name="invitation_party_time"),
            models.Index(fields=["kind", "send_at"], name="invitation_results"),
        ]


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ItemSource(models.TextChoices):
    SURVEY = "survey", _("Survey score")
    COMMENT = "comment", _("Survey comment")
    MEMBER = "member", _("Heard by a member")
    INCIDENT = "incident", _("Incident")
    API = "api", _("Another system")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on the party")
    CLOSED = "closed", _("Closed")


class Cause(models.TextChoices):
    PRODUCT = "product", _("Product or service quality")
    DELIVERY = "delivery", _("Delivery or timing")
    PRICE = "price", _("Price or billing")
    STAFF = "staff", _("Staff or manners")
    COMMUNICATION = "communication", _("Communication")
    EXPECTATION = "expectation", _("Expectation not set right")
    REQUEST = "request", _("A request we took up")
    OTHER = "other", _("Other")


class FeedbackItem(models.Model):
    """Something a party said that somebody must answer: who, by when, and what was done."""

    party_merge = "move"

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=ItemSource)
    severity = models.CharField(max_length=10, choices=Severity, default=Severity.NORMAL)
    # What the party said, in their or the member's words (never Patron's).
    text = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    invitation = models.ForeignKey(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pilot = models.ForeignKey(
        "Pilot", null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    # The change that answered it ("you said, we did").
    change = models.ForeignKey(
        "Change", null=True, blank=True, on_delete=models.SET_NULL, related_name="answered"
    )
    relationship_kind = models.CharField(max_length=16, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ItemStatus, default=ItemStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    # Working hours promised (the rule in force when it opened), and the due times they give.
    respond_hours = models.FloatField()
    resolve_hours = models.FloatField()
    respond_due = models.DateTimeField(null=True, blank=True)  # null while paused
    resolve_due = models.DateTimeField(null=True, blank=True)
    # Times the clock stood still, waiting on the party: [[start, end or null], ...].
    pauses = models.JSONField(default=list, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True)  # what was done, in the member's words
    cause = models.CharField(max_length=16, choices=Cause, blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["status", "respond_due"], name="item_respond_due"),
            models.Index(fields=["status", "resolve_due"], name="item_resolve_due"),
            models.Index(fields=["party", "status"], name="item_party"),
        ]


class ResponseRule(models.Model):
    """Working hours to a first response and to a resolution, for a relationship kind ("*":
    any) and a severity. A row replaces the default (feedback.dues.DEFAULT_RULES)."""

    kind = models.CharField(max_length=16, default="*")
    severity = models.CharField(max_length=10, choices=Severity)
    respond_hours = models.FloatField()
    resolve_hours = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "severity"], name="response_rule_unique")
        ]


# -- "you said, we did" ---------------------------------------------------------------------------


class Change(models.Model):
    """Something the business changed because parties asked for it: those who asked are told
    (a service message, after a person approved it) and their items close with it."""

    title = models.CharField(max_length=200)  # "토요일 20시까지 영업"
    description = models.TextField(blank=True)
    made_on = models.DateField(default=timezone.localdate)
    items = models.ManyToManyField(FeedbackItem, blank=True, related_name="changes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The words as approved and sent ({"ko": ..., "en": ...}), and the counts of the sending.
    message = models.JSONField(default=dict, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    told = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.title


# -- pilots before launch -------------------------------------------------------------------------


class PilotStatus(models.TextChoices):
    DRAFT = "draft", _("Choosing the panel")
    RUNNING = "running", _("Panel invited")
    LAUNCHED = "launched", _("Launched to everyone")


class Pilot(models.Model):
    """A new or changed offering tried first by a panel of satisfied, consenting clients; its
    readiness is their satisfaction against a threshold and the problems they reported."""

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=PilotStatus, default=PilotStatus.DRAFT)
    # Ready when at least ``min_answers`` answered and ``threshold`` % of them are satisfied
    # (CSAT 4 or 5), with no problem left open.
    threshold = models.PositiveSmallIntegerField(default=80)
    min_answers = models.PositiveSmallIntegerField(default=5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    invited_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Problems still open when it launched, and who said to launch anyway.
    launched_with_open = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.title


class PilotMember(models.Model):
    party_merge = "keep"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="members")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list, blank=True)  # why chosen, as messages
    message = models.ForeignKey(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pilot", "party"], name="pilot_member_once")]


# -- account plans ---------------------------------------------------------------------------------


class AccountPlan(models.Model):
    """A client's partnership: goals set together, their milestones, and when to review."""

    party_merge = "keep"

    party = models.OneToOneField(Party, on_delete=models.CASCADE, related_name="account_plan")
    summary = models.TextField(blank=True)  # the strategy agreed, in the manager's words
    next_review = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class GoalStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=200, blank=True)  # how we know: "재주문 3회"
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=GoalStatus, default=GoalStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    LATE = "late", _("Late")


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=MilestoneStatus, default=MilestoneStatus.PLANNED
    )
    done_at = models.DateTimeField(null=True, blank=True)
