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
