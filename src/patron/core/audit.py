"""Who changed what, for things that have no party timeline (the team, the catalogue):
Django's admin log, which the admin shows per object."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

__all__ = ["ADDITION", "CHANGE", "DELETION", "log_change"]


def log_change(actor, obj, flag: int, change: dict[str, Any]) -> None:
    if actor is None or not actor.is_authenticated:
        return
    LogEntry.objects.log_actions(
        actor.pk, [obj], flag, change_message=json.dumps([change]), single_object=True
    )


def log_state(actor, obj, state: str) -> None:
    """A change of state (paused, cancelled, archived...) in the same log."""
    log_change(actor, obj, CHANGE, {"changed": {"fields": ["status"], "to": state}})


def do_set_archived(obj, archived: bool, *, actor) -> None:
    """Out of the lists (or back), with who did it logged. The object keeps everything."""
    from django.utils import timezone

    type(obj).objects.filter(pk=obj.pk).update(archived_at=timezone.now() if archived else None)
    log_state(actor, obj, "archived" if archived else "unarchived")
