"""Changing parties and relationships. Every change writes the party's timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from patron.analytics.classify import Classification

from .models import Activity, KindSource, Party, Relationship, RelationshipKind


class RelationshipError(Exception):
    """A relationship change that cannot be made; the message says why."""


@dataclass(frozen=True)
class ClassifiedParty:
    party_id: int
    classification: Classification
    since: object  # date of the first purchase or engagement, or None


def do_apply_classifications(results: Iterable[ClassifiedParty]) -> dict[str, int]:
    """Store inferred kinds. A kind set by a person or an import profile is never overwritten."""
    results = list(results)
    now = timezone.now()
    relationships = {
        r.party_id: r
        for r in Relationship.objects.filter(party_id__in=[c.party_id for c in results])
    }
    changed, activities, counts = [], [], {}
    for item in results:
        relationship = relationships.get(item.party_id)
        if relationship is None or relationship.kind_source != KindSource.INFERRED:
            continue
        kind = item.classification.kind
        counts[kind] = counts.get(kind, 0) + 1
        if relationship.kind != kind:
            activities.append(
                Activity(
                    party_id=item.party_id,
                    occurred_at=now,
                    verb="relationship.classified",
                    summary=f"Classified as {kind}: " + "; ".join(item.classification.reasons),
                    data={"from": relationship.kind, "to": kind},
                )
            )
        relationship.kind = kind
        relationship.reasons = item.classification.reasons
        relationship.since = item.since
        relationship.classified_at = now
        changed.append(relationship)
    with transaction.atomic():
        Relationship.objects.bulk_update(
            changed, ["kind", "reasons", "since", "classified_at"], batch_size=500
        )
        Activity.objects.bulk_create(activities, batch_size=500)
    return counts


def do_set_relationship(
    party: Party, *, actor, kind: str | None = None, owner=None, clear_owner: bool = False
) -> Relationship:
    """A person sets the kind or the account manager; a set kind survives re-classification."""
    if kind is not None and kind not in RelationshipKind.values:
        raise RelationshipError(f"'{kind}' is not a relationship kind")
    with transaction.atomic():
        relationship, _ = Relationship.objects.get_or_create(party=party)
        changes = []
        if kind is not None and (
            kind != relationship.kind or relationship.kind_source != KindSource.PERSON
        ):
            changes.append(f"kind {relationship.kind} → {kind}")
            relationship.kind = kind
            relationship.kind_source = KindSource.PERSON
        if owner is not None and owner != relationship.owner:
            changes.append(f"account manager → {owner.get_username()}")
            relationship.owner = owner
        elif clear_owner and relationship.owner is not None:
            changes.append("account manager removed")
            relationship.owner = None
        if changes:
            relationship.save(update_fields=["kind", "kind_source", "owner"])
            Activity.objects.create(
                party=party,
                actor=actor,
                verb="relationship.changed",
                summary="; ".join(changes) + f" (by {actor.get_username()})",
            )
    return relationship
