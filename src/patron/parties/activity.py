"""The one way to write a party's timeline: a verb code and its data, never a sentence.

Each app words its verbs in its wording module under "activity.<verb>"; the timeline page
words them in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .models import Activity


def activity_row(
    party_id: int,
    verb: str,
    *,
    actor=None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Activity:
    """An unsaved timeline entry, for services that write many at once (record_activities)."""
    return Activity(
        party_id=party_id,
        verb=verb,
        actor=actor if actor is not None and actor.is_authenticated else None,
        data=data or {},
        occurred_at=at or timezone.now(),
    )


def record_activity(
    party,
    verb: str,
    *,
    actor=None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Activity:
    party_id = party if isinstance(party, int) else party.pk
    entry = activity_row(party_id, verb, actor=actor, data=data, at=at)
    entry.save()
    return entry


def record_activities(entries: Iterable[Activity]) -> int:
    created = Activity.objects.bulk_create(list(entries), batch_size=1000)
    return len(created)
