"""Parties that are probably one person, weighed by their evidence.

The same email or phone number is strong evidence. The same name is weak (there are many
김민준): it counts only together with another signal (the same birthday, the same email
name at another provider, or phone numbers that differ only in their prefix). A value shared
by many parties (a shop's own phone typed on every order) is a placeholder, not evidence.
A pair a person dismissed ("not the same person") is never suggested again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from patron.core.bulk import chunked

from .models import ContactPoint, DuplicateDismissal, Party

# A contact value or name shared by more parties than this is not someone's own.
PLACEHOLDER_SHARE = 5
# Per pair of kinds of evidence: how much each counts. Strong alone, weak only together.
WEIGHTS = {
    "same_email": 3,
    "same_phone": 3,
    "same_name": 1,
    "same_birthday": 1,
    "same_email_name": 1,
    "same_phone_number": 1,
}
STRONG = 2  # listed from this much evidence: a shared email or phone, or a name and a sign
MAX_PAIRS = 5000  # enough for any page a person reads; the list says when it was cut


@dataclass
class DuplicatePair:
    first: Party
    second: Party
    evidence: list[dict[str, Any]] = field(default_factory=list)  # messages (core.wording)

    @property
    def strength(self) -> int:
        return weight(self.evidence)


def weight(evidence: list[dict[str, Any]]) -> int:
    return sum(WEIGHTS[item["code"].removeprefix("duplicate.")] for item in evidence)


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def find_duplicates() -> tuple[list[DuplicatePair], bool]:
    """Likely duplicate pairs, strongest evidence first, and whether the list was cut short."""
    evidence: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    _shared_contacts(evidence)
    _same_names_with_a_signal(evidence)
    dismissed = set(DuplicateDismissal.objects.values_list("first_id", "second_id"))
    candidates = {
        pair: items
        for pair, items in evidence.items()
        if pair not in dismissed and weight(items) >= STRONG
    }
    ranked = sorted(candidates.items(), key=lambda item: (-weight(item[1]), item[0]))
    cut = len(ranked) > MAX_PAIRS
    ranked = ranked[:MAX_PAIRS]
    parties = Party.objects.in_bulk({pk for pair, _ in ranked for pk in pair})
    return [DuplicatePair(parties[a], parties[b], items) for (a, b), items in ranked], cut


def evidence_for(first: Party, second: Party) -> list[dict[str, Any]]:
    """The evidence that these two are one person (for the side-by-side page)."""
    evidence: list[dict[str, Any]] = []
    mine = set(first.contact_points.values_list("kind", "value"))
    theirs = set(second.contact_points.values_list("kind", "value"))
    for kind, value in sorted(mine & theirs):
        evidence.append({"code": f"duplicate.same_{kind}", "value": value})
    if first.name_key and first.name_key == second.name_key:
        evidence.append(_name_evidence(first.display_name, second.display_name))
        evidence += _signals(_facts(first), _facts(second))
    return evidence


def _shared_contacts(evidence: dict) -> None:
    live = ContactPoint.objects.filter(party__merged_into__isnull=True)
    shared = (
        live.values("kind", "value")
        .annotate(parties=Count("party", distinct=True))
        .filter(parties__gt=1, parties__lte=PLACEHOLDER_SHARE)
    )
    values: dict[str, list[str]] = defaultdict(list)
    for row in shared.iterator():
        values[row["kind"]].append(row["value"])
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    for kind, kind_values in values.items():
        for chunk in chunked(kind_values):
            found = live.filter(kind=kind, value__in=chunk)
            for value, party_id in found.values_list("value", "party_id"):
                holders[(kind, value)].add(party_id)
    for (kind, value), party_ids in holders.items():
        ids = sorted(party_ids)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                evidence[(a, b)].append({"code": f"duplicate.same_{kind}", "value": value})


def _same_names_with_a_signal(evidence: dict) -> None:
    """Within each group of parties with one name, pair those that share a second signal.

    Bucketing by each signal keeps this linear in the group's size: a name shared by
    thousands of parties is never compared pair by pair.
    """
    live = Party.objects.filter(merged_into__isnull=True).exclude(name_key="")
    names = live.values("name_key").annotate(n=Count("id")).filter(n__gt=1).values("name_key")
    rows = (
        live.filter(name_key__in=names)
        .order_by("name_key", "pk")
        .values_list("pk", "name_key", "display_name", "birthday", "email", "phone")
    )
    group: list[tuple] = []
    for row in rows.iterator(chunk_size=2000):
        if group and row[1] != group[0][1]:
            _pair_group(group, evidence)
            group = []
        group.append(row)
    if group:
        _pair_group(group, evidence)


def _pair_group(group: list[tuple], evidence: dict) -> None:
    facts = {row[0]: _facts_of_row(row) for row in group}
    buckets: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, party_facts in facts.items():
        for signal in _signal_keys(party_facts):
            buckets[signal].append(pk)
    paired: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) <= PLACEHOLDER_SHARE:
            paired.update(ordered(a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    names = {row[0]: row[2] for row in group}
    for a, b in paired:
        evidence[(a, b)].append(_name_evidence(names[a], names[b]))
        evidence[(a, b)] += _signals(facts[a], facts[b])


def _name_evidence(a: str, b: str) -> dict[str, Any]:
    if a == b:
        return {"code": "duplicate.same_name", "name": a}
    return {"code": "duplicate.same_name", "name": a, "written": b}


@dataclass(frozen=True)
class _Facts:
    birthday: str
    email_name: str
    email: str
    phone_number: str  # the subscriber digits, without country code and prefix
    phone: str


def _facts(party: Party) -> _Facts:
    return _facts_of_row((party.pk, "", "", party.birthday, party.email, party.phone))


def _facts_of_row(row: tuple) -> _Facts:
    _, _, _, birthday, email, phone = row
    local = email.split("@", 1)[0].replace(".", "") if email else ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return _Facts(
        birthday=birthday.isoformat() if birthday else "",
        email_name=local if len(local) >= 4 else "",
        email=email,
        phone_number=digits[-8:] if len(digits) >= 8 else "",
        phone=phone,
    )


def _signal_keys(facts: _Facts) -> list[tuple[str, str]]:
    keys = []
    if facts.birthday:
        keys.append(("same_birthday", facts.birthday))
    if facts.email_name:
        keys.append(("same_email_name", facts.email_name))
    if facts.phone_number:
        keys.append(("same_phone_number", facts.phone_number))
    return keys


def _signals(a: _Facts, b: _Facts) -> list[dict[str, Any]]:
    """The name's companions. An email or phone both share is counted as such (strong) by
    _shared_contacts; here only the near-misses count: the same email name at another
    provider, the same number under another prefix."""
    mine, theirs = dict(_signal_keys(a)), dict(_signal_keys(b))
    same = {signal for signal in mine if signal in theirs and mine[signal] == theirs[signal]}
    if a.email and a.email == b.email:
        same.discard("same_email_name")
    if a.phone and a.phone == b.phone:
        same.discard("same_phone_number")
    return [{"code": f"duplicate.{signal}"} for signal in sorted(same)]


def do_dismiss_pair(first: Party, second: Party, *, actor) -> DuplicateDismissal:
    """ "Not the same person": the pair is hidden for good."""
    a, b = ordered(first.pk, second.pk)
    dismissal, _ = DuplicateDismissal.objects.get_or_create(
        first_id=a, second_id=b, defaults={"dismissed_by": actor}
    )
    return dismissal
