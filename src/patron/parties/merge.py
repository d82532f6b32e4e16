"""Merging two parties into one, and undoing it.

A merge moves every row that points at the merged party to the survivor. It finds them by
walking the party's relations in the model registry, so an app added later (outreach, loyalty,
feedback) joins without being listed here. A model can say how it takes part with a class
attribute ``party_merge``: "keep" (stays where it is: dismissals, merge records), "custom"
(handled here: the relationship); anything else moves. What moved is written down, so the
merge can be undone for PARTY_MERGE_UNDO_DAYS: the survivor gives back what it took.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from patron.core.problems import Problem

from .activity import record_activity
from .models import Consent, KindSource, Party, PartyMerge, Relationship
from .signals import merge_undone, parties_merged

FILLED_FIELDS = ("email", "phone", "birthday", "locale")


class MergeRefused(Problem):
    """Two parties that cannot be merged (or a merge that cannot be undone)."""


def undo_window() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "PATRON_MERGE_UNDO_DAYS", 30))


@dataclass(frozen=True)
class _Link:
    model: type[models.Model]
    field: models.ForeignKey
    # Other fields of a unique constraint with the party: rows of the merged party that the
    # survivor already has (the same email as a contact point) cannot move and are dropped.
    unique_with: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def party_links() -> list[_Link]:
    """Every foreign key to Party that a merge moves, from the model registry."""
    links = []
    for relation in Party._meta.related_objects:
        model = relation.related_model
        if model is Party or getattr(model, "party_merge", "move") in ("keep", "custom"):
            continue
        if relation.one_to_one:
            continue  # per-party summaries (scores) are recomputed by the refresh after merge
        field = relation.field
        links.append(_Link(model, field, _unique_with(model, field)))
    return links


def _unique_with(model: type[models.Model], field: models.Field) -> tuple[str, ...]:
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and field.name in constraint.fields
            and constraint.condition is None
        ):
            return tuple(name for name in constraint.fields if name != field.name)
    return ()


def check_merge(survivor: Party, other: Party) -> None:
    if survivor.pk == other.pk:
        raise MergeRefused("merge.same_party")
    if survivor.merged_into_id or other.merged_into_id:
        raise MergeRefused("merge.already_merged")


def merge_preview(survivor: Party, other: Party) -> dict[str, int]:
    """What a merge of `other` into `survivor` would move: rows per model (verbose name)."""
    counts: Counter[str] = Counter()
    for link in party_links():
        n = link.model._default_manager.filter(**{link.field.name: other}).count()
        if n:
            counts[link.label] += n
    return dict(counts)


def do_merge_parties(survivor: Party, other: Party, *, actor) -> PartyMerge:
    """Move everything of `other` to `survivor`; `other` stays as a pointer to the survivor."""
    check_merge(survivor, other)
    with transaction.atomic():
        # Claimed first, conditionally: of two people merging the same party at once, one
        # wins and the other is told, instead of the rows ending up split between survivors.
        claimed = Party.objects.filter(pk=other.pk, merged_into__isnull=True).update(
            merged_into=survivor
        )
        survivor_gone = Party.objects.filter(pk=survivor.pk, merged_into__isnull=False).exists()
        if not claimed or survivor_gone:
            raise MergeRefused("merge.already_merged")
        moved, removed = _move_rows(other, survivor)
        before = {
            "fields": _fill_blanks(survivor, other),
            "relationship": _merge_relationship(survivor, other),
        }
        other.merged_into = survivor
        merge = PartyMerge.objects.create(
            survivor=survivor,
            merged=other,
            merged_by=actor,
            moved=moved,
            removed=removed,
            survivor_before=before,
        )
        parties_merged.send(sender=PartyMerge, merge=merge)
        counts = {label: len(entry["pks"]) for label, entry in moved.items()}
        record_activity(
            survivor,
            "party.merged",
            actor=actor,
            data={
                "merge": merge.pk,
                "other": other.pk,
                "name": other.display_name,
                "moved": counts,
            },
        )
    return merge


def _move_rows(source: Party, target: Party) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    moved: dict[str, Any] = {}
    removed: list[dict[str, Any]] = []
    for link in party_links():
        manager = link.model._default_manager
        rows = manager.filter(**{link.field.name: source})
        if link.unique_with:
            held = set(manager.filter(**{link.field.name: target}).values_list(*link.unique_with))
            for row in rows.values():
                key = tuple(row.get(name, row.get(f"{name}_id")) for name in link.unique_with)
                if key in held:
                    removed.append({"model": link.label, "values": _jsonable(row)})
            clash = [entry["values"]["id"] for entry in removed if entry["model"] == link.label]
            manager.filter(pk__in=clash).delete()
        pks = list(rows.values_list("pk", flat=True))
        if pks:
            manager.filter(pk__in=pks).update(**{link.field.name: target})
            moved[link.label] = {"field": link.field.name, "pks": pks}
    return moved, removed


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
        for name, value in row.items()
    }


def _fill_blanks(survivor: Party, other: Party) -> dict[str, Any]:
    """Give the survivor what only the other had; returns the survivor's values before."""
    before = {}
    for name in FILLED_FIELDS:
        if not getattr(survivor, name) and getattr(other, name):
            before[name] = _jsonable({name: getattr(survivor, name)})[name]
            setattr(survivor, name, getattr(other, name))
    if before:
        survivor.save(update_fields=list(before))
    return before


def _merge_relationship(survivor: Party, other: Party) -> dict[str, Any]:
    """A person's decision on either party outlives the merge; so does an account manager."""
    mine = Relationship.objects.filter(party=survivor).first()
    theirs = Relationship.objects.filter(party=other).first()
    if theirs is None:
        return {}
    if mine is None:
        theirs.party = survivor
        theirs.save(update_fields=["party"])
        return {"moved": theirs.pk}
    before = {
        "kind": mine.kind,
        "kind_source": mine.kind_source,
        "owner": mine.owner_id,
        "since": mine.since.isoformat() if mine.since else None,
    }
    if theirs.kind_source == KindSource.PERSON and mine.kind_source != KindSource.PERSON:
        mine.kind, mine.kind_source = theirs.kind, theirs.kind_source
    if mine.owner_id is None and theirs.owner_id is not None:
        mine.owner_id = theirs.owner_id
    if theirs.since and (mine.since is None or theirs.since < mine.since):
        mine.since = theirs.since
    mine.save(update_fields=["kind", "kind_source", "owner", "since"])
    return before


def open_merges(party: Party):
    """Merges into this party that can still be undone, newest first."""
    return (
        PartyMerge.objects.filter(
            survivor=party, undone_at__isnull=True, merged_at__gte=timezone.now() - undo_window()
        )
        .select_related("merged", "merged_by")
        .order_by("-merged_at")
    )


def check_undo(merge: PartyMerge) -> None:
    if merge.undone_at is not None:
        raise MergeRefused("merge.undone_already")
    if timezone.now() - merge.merged_at > undo_window():
        raise MergeRefused("merge.too_old", days=undo_window().days)
    if merge.survivor.merged_into_id is not None:
        raise MergeRefused("merge.survivor_merged", name=merge.survivor.merged_into.display_name)


def do_undo_merge(merge: PartyMerge, *, actor) -> PartyMerge:
    """The survivor gives back what it took; the merged party is a party of its own again."""
    merge = PartyMerge.objects.select_related("survivor", "merged").get(pk=merge.pk)
    check_undo(merge)
    survivor, other = merge.survivor, merge.merged
    with transaction.atomic():
        for label, entry in merge.moved.items():
            model = _model(label)
            field = entry["field"]
            model._default_manager.filter(pk__in=entry["pks"], **{field: survivor}).update(
                **{field: other}
            )
        for entry in merge.removed:
            model = _model(entry["model"])
            values = {k: v for k, v in entry["values"].items() if k != "id"}
            model._default_manager.create(**values)
        _restore_survivor(survivor, other, merge.survivor_before)
        _return_decisions_made_while_merged(merge, survivor, other)
        other.merged_into = None
        other.save(update_fields=["merged_into"])
        merge.undone_at = timezone.now()
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by"])
        merge_undone.send(sender=PartyMerge, merge=merge)
        data = {"merge": merge.pk, "other": other.pk, "name": other.display_name}
        record_activity(survivor, "party.merge_undone", actor=actor, data=data)
        record_activity(
            other,
            "party.unmerged",
            actor=actor,
            data={"merge": merge.pk, "other": survivor.pk, "name": survivor.display_name},
        )
    return merge


def _return_decisions_made_while_merged(merge: PartyMerge, survivor: Party, other: Party):
    """Consent decided while merged follows the person who decided it: an unsubscribe from
    the merged party's own link (or their preference page) was recorded on the survivor,
    marked with the party it came from, and goes back with them; without this, undoing the
    merge would give them back the "yes" they had withdrawn."""
    Consent.objects.filter(
        party=survivor, recorded_at__gte=merge.merged_at, evidence__party=other.pk
    ).update(party=other)


def _restore_survivor(survivor: Party, other: Party, before: dict[str, Any]) -> None:
    fields = before.get("fields", {})
    restored = []
    for name, value in fields.items():
        # Only what the merge filled in, and only if nobody changed it since.
        if getattr(survivor, name) == getattr(other, name):
            if name == "birthday" and value:
                value = dt.date.fromisoformat(value)
            setattr(survivor, name, value)
            restored.append(name)
    if restored:
        survivor.save(update_fields=restored)
    relationship = before.get("relationship", {})
    if "moved" in relationship:
        Relationship.objects.filter(pk=relationship["moved"]).update(party=other)
    elif relationship:
        Relationship.objects.filter(party=survivor).update(
            kind=relationship["kind"],
            kind_source=relationship["kind_source"],
            owner_id=relationship["owner"],
            since=dt.date.fromisoformat(relationship["since"]) if relationship["since"] else None,
        )


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)
