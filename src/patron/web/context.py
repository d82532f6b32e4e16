"""What every page needs to know about the person looking: their role and what they may do."""

from __future__ import annotations

from patron.accounts import roles
from patron.core.business import business
from patron.core.runs import workers_running
from patron.outreach.queries import channel_notices


def patron(request) -> dict:
    user = getattr(request, "user", None)
    name = business().display_name
    if user is None or not roles.is_member(user):
        return {"business": name}
    return {
        "business": name,
        # Every page says which channels only pretend to send, and what waits (lazily: a
        # page that never shows it asks nothing).
        "channel_notices": channel_notices,
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
