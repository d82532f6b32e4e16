"""What every page needs to know about the person looking: their role and what they may do."""

from __future__ import annotations

from django.conf import settings

from patron.accounts import roles
from patron.core.runs import workers_running


def patron(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not roles.is_member(user):
        return {"business": settings.PATRON_SENDER_NAME}
    return {
        "business": settings.PATRON_SENDER_NAME,
        "role": roles.role_of(user),
        "may": {
            "change_relationships": roles.can_change_relationships(user),
            "merge": roles.can_merge(user),
            "change_offerings": roles.can_change_offerings(user),
            "manage_team": roles.can_manage_team(user),
            "import": roles.can_import(user),
        },
        "worker_missing": lambda: workers_running() == 0,
    }
