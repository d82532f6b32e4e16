"""Changing relationships. Every change writes the party's timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from patron.accounts.services import display_name
from patron.core.bulk import update_rows
from patron.core.problems import Problem

from .activity import activity_row, record_activities, record_activity
from .models import KindSource, Party, Relationship, RelationshipKind


class RelationshipError(Problem):
    """A relationship change that cannot be made."""


@dataclass(frozen=True)
class Reading:
    """Patron's reading of one party's data: the kind it would choose, and why (messages)."""

    party_id: int
    kind: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    since: dt.date | None = None  # the first purchase or engagement


def do_apply_readings(readings: Iterable[Reading]) -> dict[str, int]:
    """Store Patron's readings. The kind changes only where Patron chose it (inferred); a kind
    set by a person or an import profile stays, with Patron's own reading kept beside it."""
    readings = list(readings)
    with transaction.atomic():
        # Read and written in one transaction (rows locked on PostgreSQL; SQLite's write lock
        # is taken at BEGIN): a kind a person sets meanwhile is never overwritten.
        return _apply(readings, timezone.now())


def _apply(readings: list[Reading], now) -> dict[str, int]:
    relationships = {
        r.party_id: r
        for r in Relationship.objects.select_for_update().filter(
            party_id__in=[item.party_id for item in readings]
        )
    }
    missing = [item.party_id for item in readings if item.party_id not in relationships]
    if missing:
        for relationship in Relationship.objects.bulk_create(
            [Relationship(party_id=party_id) for party_id in missing]
        ):
            relationships[relationship.party_id] = relationship
    changed, activities, counts = [], [], {}
    for item in readings:
        relationship = relationships[item.party_id]
        if relationship.kind_source == KindSource.INFERRED:
            counts[item.kind] = counts.get(item.kind, 0) + 1
            if relationship.kind != item.kind:
                activities.append(
                    activity_row(
                        item.party_id,
                        "relationship.classified",
                        data={"from": relationship.kind, "to": item.kind, "reasons": item.reasons},
                        at=now,
                    )
                )
            relationship.kind = item.kind
        relationship.inferred_kind = item.kind
        relationship.reasons = item.reasons
        relationship.since = item.since
        relationship.classified_at = now
        changed.append(relationship)
    fields = ["kind", "inferred_kind", "reasons", "since", "classified_at"]
    # One prepared UPDATE per row (core.bulk): Django's bulk_update took ~1 ms a party.
    update_rows(
        Relationship, fields, ((r.pk, *(getattr(r, name) for name in fields)) for r in changed)
    )
    record_activities(activities)
    return counts


def do_set_relationship(
    party: Party, *, actor, kind: str | None = None, owner=None, clear_owner: bool = False
) -> Relationship:
    """A person sets the kind or the account manager; a set kind survives re-classification."""
    if kind is not None and kind not in RelationshipKind.values:
        raise RelationshipError("relationship.unknown_kind", kind=kind)
    with transaction.atomic():
        relationship, _ = Relationship.objects.get_or_create(party=party)
        change: dict[str, Any] = {}
        if kind is not None and (
            kind != relationship.kind or relationship.kind_source != KindSource.PERSON
        ):
            change.update(kind_from=relationship.kind, kind_to=kind)
            relationship.kind = kind
            relationship.kind_source = KindSource.PERSON
            relationship.kind_set_by = actor
            relationship.kind_set_at = timezone.now()
        if owner is not None and owner != relationship.owner:
            change.update(manager_to=owner.pk, manager_to_name=display_name(owner))
            relationship.owner = owner
        elif clear_owner and relationship.owner is not None:
            change.update(manager_to=None, manager_from_name=display_name(relationship.owner))
            relationship.owner = None
        if change:
            relationship.save(
                update_fields=["kind", "kind_source", "kind_set_by", "kind_set_at", "owner"]
            )
            record_activity(party, "relationship.changed", actor=actor, data=change)
    return relationship
