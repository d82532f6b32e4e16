"""The core app's tables: which background workers are alive, and the business itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WorkerBeat(models.Model):
    """A background worker says it is alive every few seconds (see patron.worker)."""

    token = models.CharField(max_length=100, unique=True)  # core.runs.this_process()
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.token


class BusinessSettings(models.Model):
    """The business as its messages and public pages name it, and how it reaches people: one
    row, edited by owners on the Business settings page (core.business reads it, with the
    operator's environment variables taking precedence field by field)."""

    name = models.CharField(max_length=120, blank=True)  # 상호
    phone = models.CharField(max_length=40, blank=True)  # 대표 전화: the contact §50④ asks for
    address = models.CharField(max_length=200, blank=True)
    optout_number = models.CharField(max_length=40, blank=True)  # 무료수신거부 080-...
    sms_sender = models.CharField(max_length=40, blank=True)  # 발신번호, registered
    email_from = models.CharField(max_length=254, blank=True)  # "Name <address>"
    kakao_channel = models.CharField(max_length=80, blank=True)  # @channel, as people see it
    kakao_sender_key = models.CharField(max_length=80, blank=True)  # Solapi pfId / NHN senderKey
    text_provider = models.CharField(max_length=8, blank=True)  # "", "demo", "solapi", "nhn"
    # Provider keys, sealed with a key derived from SECRET_KEY (core.business.seal): never
    # shown again once saved, only replaced.
    sealed_keys = models.TextField(blank=True)
    quiet_start = models.PositiveSmallIntegerField(default=21)
    quiet_end = models.PositiveSmallIntegerField(default=8)
    email_quiet_hours = models.BooleanField(default=True)
    # Automatic notices (reconfirmations, cadence messages, invitations) go out from this hour.
    notice_hour = models.PositiveSmallIntegerField(default=10)
    # Names this installation in Message-IDs, so a reinstalled Patron never repeats one.
    installation = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return self.name or "business"


class IdempotencyRecord(models.Model):
    """A POST to the API with an Idempotency-Key, and the answer it got (Stripe's design):
    the same key again replays the answer; with another request it is refused; while the
    first is still being answered, a second waits its turn (409). Kept at least 24 hours."""

    scope = models.CharField(max_length=64)  # the caller (its token's fingerprint)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # method, path and body
    done = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_once")]
