"""Likely duplicate parties, with the evidence, and merging two into one."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Count, Min

from .models import (
    Activity,
    Consent,
    ContactPoint,
    ExternalRef,
    KindSource,
    Party,
    Relationship,
)
from .normalize import format_phone


class MergeRefused(Exception):
    """The two parties cannot be merged; the message says why."""


@dataclass
class DuplicatePair:
    first: Party
    second: Party
    evidence: list[str] = field(default_factory=list)


def find_duplicates(limit: int = 200) -> list[DuplicatePair]:
    """Pairs of live parties sharing a normalised email, phone or name (NFC, spacing, case)."""
    pairs: dict[tuple[int, int], list[str]] = {}
    live = ContactPoint.objects.filter(party__merged_into__isnull=True)
    shared = (
        live.values("kind", "value")
        .annotate(parties=Count("party", distinct=True))
        .filter(parties__gt=1)
        .order_by("kind", "value")[: limit * 2]
    )
    for row in shared:
        ids = sorted(
            set(live.filter(kind=row["kind"], value=row["value"]).values_list("party", flat=True))
        )
        shown = format_phone(row["value"]) if row["kind"] == "phone" else row["value"]
        for other in ids[1:]:
            pairs.setdefault((ids[0], other), []).append(f"same {row['kind']}: {shown}")
    same_names = (
        Party.objects.filter(merged_into__isnull=True)
        .exclude(name_key="")
        .values("name_key")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n__gt=1)
        .order_by("name_key")[: limit * 2]
    )
    for row in same_names:
        ids = list(
            Party.objects.filter(merged_into__isnull=True, name_key=row["name_key"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for other in ids[1:]:
            pairs.setdefault((ids[0], other), []).append("same name")
    return _load_pairs(pairs, limit)


def _load_pairs(pairs: dict[tuple[int, int], list[str]], limit: int) -> list[DuplicatePair]:
    ids = {pk for pair in pairs for pk in pair}
    parties = Party.objects.in_bulk(ids)
    result = []
    for (first, second), evidence in pairs.items():
        a, b = parties[first], parties[second]
        if "same name" in evidence and a.display_name != b.display_name:
            evidence[evidence.index("same name")] = (
                f"same name written differently: “{a.display_name}” / “{b.display_name}”"
            )
        result.append(DuplicatePair(a, b, evidence))
    result.sort(key=lambda pair: (-len(pair.evidence), pair.first.pk))
    return result[:limit]


def do_merge_parties(survivor: Party, other: Party, *, actor) -> Party:
    """Move everything of `other` to `survivor`; `other` stays as a pointer to the survivor."""
    if survivor.pk == other.pk:
        raise MergeRefused("a party cannot be merged with itself")
    if survivor.merged_into_id or other.merged_into_id:
        raise MergeRefused("one of the parties was already merged into another")
    with transaction.atomic():
        moved = _move_related(survivor, other)
        _merge_relationship(survivor, other)
        _fill_blanks(survivor, other)
        other.merged_into = survivor
        other.save(update_fields=["merged_into"])
        Activity.objects.create(
            party=survivor,
            actor=actor,
            verb="party.merged",
            summary=f"{other.display_name} (#{other.pk}) merged into this party by "
            f"{actor.get_username()}: " + ", ".join(f"{n} {what}" for what, n in moved.items()),
            data={"merged": other.pk, "moved": moved},
        )
    return survivor


def _move_related(survivor: Party, other: Party) -> dict[str, int]:
    moved = {}
    # commerce sits above parties in the layers: look its models up by name.
    order_model = apps.get_model("commerce", "Order")
    engagement_model = apps.get_model("commerce", "Engagement")
    for label, model in (
        ("orders", order_model),
        ("engagements", engagement_model),
        ("activities", Activity),
        ("consents", Consent),
    ):
        moved[label] = model.objects.filter(party=other).update(party=survivor)
    for point in ContactPoint.objects.filter(party=other):
        try:
            with transaction.atomic():
                ContactPoint.objects.filter(pk=point.pk).update(party=survivor)
        except IntegrityError:
            point.delete()  # the survivor already has this email or phone
    for ref in ExternalRef.objects.filter(party=other):
        ExternalRef.objects.filter(pk=ref.pk).update(party=survivor)
    return moved


def _merge_relationship(survivor: Party, other: Party) -> None:
    """A person's decision on either party outlives the merge; so does an account manager."""
    mine = Relationship.objects.filter(party=survivor).first()
    theirs = Relationship.objects.filter(party=other).first()
    if theirs is None:
        return
    if mine is None:
        theirs.party = survivor
        theirs.save(update_fields=["party"])
        return
    if theirs.kind_source == KindSource.PERSON and mine.kind_source != KindSource.PERSON:
        mine.kind, mine.kind_source = theirs.kind, theirs.kind_source
    if mine.owner_id is None and theirs.owner_id is not None:
        mine.owner_id = theirs.owner_id
    if theirs.since and (mine.since is None or theirs.since < mine.since):
        mine.since = theirs.since
    mine.save(update_fields=["kind", "kind_source", "owner", "since"])


def _fill_blanks(survivor: Party, other: Party) -> None:
    changed = []
    for name in ("email", "phone", "birthday", "locale"):
        if not getattr(survivor, name) and getattr(other, name):
            setattr(survivor, name, getattr(other, name))
            changed.append(name)
    if changed:
        survivor.save(update_fields=changed)
