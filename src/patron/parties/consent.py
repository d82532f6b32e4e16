"""Whether a party may be contacted on a channel for a purpose, and recording their decisions.

The decision recorded last per (party, channel, purpose) is in force: a withdrawal outranks
every grant recorded before it. Decisions are recorded when Patron learns them, never at a
date the evidence gives (an imported order's date, which may even lie in the future); that
date is kept as when the person decided (``decided_at``). Evidence from an export is weaker
than the person's own act: an imported "yes" never undoes a recorded "no" (only the person,
or a member recording what they said with evidence, can), and an imported decision older
than the one in force changes nothing. Service messages (receipts, incidents) need no
consent; marketing and surveys need a recorded "yes". Importers and outreach go through here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from patron.core.bulk import chunked

from .activity import activity_row, record_activities
from .models import Channel, Consent, Party, Purpose

NEEDS_NO_CONSENT = (Purpose.SERVICE,)


@dataclass(frozen=True)
class Decision:
    party_id: int
    channel: str
    purpose: str
    granted: bool
    source: str  # how it was recorded: "import:shopify", "page", ...
    evidence: dict[str, Any]
    at: dt.datetime | None = None  # when the person decided, if the evidence dates it

    @property
    def from_export(self) -> bool:
        """A shop's export said so (a flag on an order), not the person to us."""
        return self.source.startswith("import:")


def current_consents(party_ids: Iterable[int], channel: str, purpose: str) -> dict[int, bool]:
    """The decision in force per party (parties with none recorded are absent)."""
    current: dict[int, bool] = {}
    for chunk in chunked(sorted(set(party_ids))):
        rows = (
            Consent.objects.filter(party_id__in=chunk, channel=channel, purpose=purpose)
            .order_by("party_id", "recorded_at", "pk")
            .values_list("party_id", "granted")
        )
        for party_id, granted in rows:
            current[party_id] = granted  # later rows overwrite earlier ones
    return current


def may_contact(party: Party | int, channel: str, purpose: str) -> bool:
    if purpose in NEEDS_NO_CONSENT:
        return True
    party_id = party if isinstance(party, int) else party.pk
    return current_consents([party_id], channel, purpose).get(party_id, False)


def do_record_decisions(decisions: Iterable[Decision], *, actor=None) -> int:
    """Record decisions that change what is known (a repeated "yes" is not news); each one
    goes on the party's timeline. Returns how many were recorded."""
    now = timezone.now()
    # One decision per party, channel and purpose: the latest one given (an export repeats a
    # person's flag on each of their orders, newest first or last: the date decides, and a
    # "no" on 03-05 is never undone by a "yes" on 03-01 read after it).
    latest: dict[tuple, Decision] = {}
    for decision in decisions:
        key = (decision.party_id, decision.channel, decision.purpose)
        held = latest.get(key)
        if held is None or _decided(decision, now) >= _decided(held, now):
            latest[key] = decision
    if not latest:
        return 0
    changed: list[Decision] = []
    for channel, purpose in {(d.channel, d.purpose) for d in latest.values()}:
        group = [d for d in latest.values() if (d.channel, d.purpose) == (channel, purpose)]
        known = decisions_in_force([d.party_id for d in group], channel, purpose)
        for decision in group:
            if _changes_anything(decision, known.get(decision.party_id), now):
                known[decision.party_id] = (decision.granted, _decided(decision, now))
                changed.append(decision)
    with transaction.atomic():
        Consent.objects.bulk_create(
            [
                Consent(
                    party_id=d.party_id,
                    channel=d.channel,
                    purpose=d.purpose,
                    granted=d.granted,
                    recorded_at=now,
                    decided_at=_decided(d, now),
                    source=d.source,
                    evidence=d.evidence,
                    recorded_by=actor if actor is not None and actor.is_authenticated else None,
                )
                for d in changed
            ],
            batch_size=1000,
        )
        record_activities(
            activity_row(
                d.party_id,
                "consent.recorded",
                actor=actor,
                data={
                    "channel": d.channel,
                    "purpose": d.purpose,
                    "granted": d.granted,
                    "source": d.source,
                    **d.evidence,
                },
            )
            for d in changed
        )
    return len(changed)


def _decided(decision: Decision, now: dt.datetime) -> dt.datetime:
    """When the person decided: the evidence's date, never later than now."""
    return min(decision.at or now, now)


def _changes_anything(
    decision: Decision, in_force: tuple[bool, dt.datetime] | None, now: dt.datetime
) -> bool:
    if in_force is None:
        return True
    granted, decided_at = in_force
    if granted == decision.granted:
        return False  # a repeated decision is not news
    if decision.from_export:
        if decision.granted:
            return False  # an export's "yes" never undoes a recorded "no"
        if _decided(decision, now) < decided_at:
            return False  # older than what is in force: the later decision stands
    return True


def decisions_in_force(
    party_ids: Iterable[int], channel: str, purpose: str
) -> dict[int, tuple[bool, dt.datetime]]:
    """(granted, decided_at) of the decision in force per party (absent: none recorded)."""
    current: dict[int, tuple[bool, dt.datetime]] = {}
    for chunk in chunked(sorted(set(party_ids))):
        rows = (
            Consent.objects.filter(party_id__in=chunk, channel=channel, purpose=purpose)
            .order_by("party_id", "recorded_at", "pk")
            .values_list("party_id", "granted", "decided_at")
        )
        for party_id, granted, decided_at in rows:
            current[party_id] = (granted, decided_at)  # later rows overwrite earlier ones
    return current


def do_record_consent(
    party: Party,
    channel: str,
    purpose: str,
    *,
    granted: bool,
    source: str,
    evidence: dict[str, Any],
    actor=None,
) -> bool:
    decision = Decision(party.pk, channel, purpose, granted, source, evidence)
    return do_record_decisions([decision], actor=actor) == 1


def do_withdraw_consent(party: Party, channel: str, purpose: str, **kwargs: Any) -> bool:
    return do_record_consent(party, channel, purpose, granted=False, **kwargs)


__all__ = [
    "NEEDS_NO_CONSENT",
    "Channel",
    "Decision",
    "Purpose",
    "current_consents",
    "decisions_in_force",
    "do_record_consent",
    "do_record_decisions",
    "do_withdraw_consent",
    "may_contact",
]
