"""A member's own details beyond Django's user: the phone tests are sent to, the language."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patron_profile"
    )
    phone = models.CharField(max_length=20, blank=True)  # E.164, where test texts go
    language = models.CharField(max_length=8, blank=True)  # "" follows the browser

    def __str__(self) -> str:
        return f"profile of {self.user_id}"
