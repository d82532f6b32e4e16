"""A member's own details beyond Django's user (the phone tests are sent to, the language),
and the tokens integrations reach the API with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patron_profile"
    )
    phone = models.CharField(max_length=20, blank=True)  # E.164, where test texts go
    language = models.CharField(max_length=8, blank=True)  # "" follows the browser

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class TokenArea(models.TextChoices):
    """What an integration's token may reach; each read or read and write."""

    PARTIES = "parties", _("Parties")
    ORDERS = "orders", _("Orders and engagements")
    OUTREACH = "outreach", _("Segments, campaigns and consent")
    LOYALTY = "loyalty", _("Points and coupons")
    FEEDBACK = "feedback", _("Feedback and incidents")
    # Everything about one person at once (answering their request to see or take it): a
    # token's own area, so one made for a calendar cannot pull whole files.
    DATA_REQUESTS = "data_requests", _("A person's whole file (their data requests)")


class ApiToken(models.Model):
    """An integration's key to the API. Only its SHA-256 digest is kept: the token itself is
    shown once, when made. ``prefix`` is its first characters, to recognise it in a list."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    # {"parties": "read", "orders": "write"}: an area missing is out of reach.
    scopes = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
