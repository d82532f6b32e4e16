"""What is kept how long, and forgotten on the worker's rounds."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import IdempotencyRecord

# An API call's Idempotency-Key and its answer: at least the 24 hours promised.
IDEMPOTENCY_KEPT = dt.timedelta(hours=48)


def forget_idempotency(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_KEPT).delete()[0]
