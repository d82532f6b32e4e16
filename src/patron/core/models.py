"""The core app's one table: which background workers are alive."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerBeat(models.Model):
    """A background worker says it is alive every few seconds (see patron.worker)."""

    token = models.CharField(max_length=100, unique=True)  # core.runs.this_process()
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.token
