"""Pilots before launch: a new or changed offering tried first by a panel.

The page proposes the panel: clients who agreed to hear offers, whose latest answer was a
happy one (NPS 9-10 or CSAT 4-5) within a year, with no complaint open, the longest-standing
first, each with the reasons it was chosen. The panel is invited (an offer to try something:
advertising, sent only on the channel they agreed to, with its framing), then asked how it
went; unhappy answers and the problems members note are the pilot's feedback items. Readiness
is the answers, their satisfaction against the pilot's threshold, and the problems open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from patron.core.problems import Problem
from patron.outreach import rules
from patron.outreach.channels.status import channel_states
from patron.outreach.models import MessageClass
from patron.outreach.services import party_address, queue_notice
from patron.parties.activity import record_activity
from patron.parties.consent import current_consents
from patron.parties.models import Channel, Party, Purpose, RelationshipKind

from .items import OPEN, do_open_item, happy
from .models import (
    FeedbackItem,
    InvitationStatus,
    ItemStatus,
    Pilot,
    PilotMember,
    PilotStatus,
    Survey,
    SurveyInvitation,
    SurveyKind,
)
from .surveys import COMPLAINT, Ask, ask_party, general_survey

PANEL_SIZE = 12
SATISFIED_WITHIN = dt.timedelta(days=365)


class PilotRefused(Problem):
    """A pilot step that cannot be taken so."""


@dataclass(frozen=True)
class Candidate:
    party: Party
    channel: str  # where they agreed to hear offers
    reasons: list[dict]


def _happy_answers(now: dt.datetime) -> dict[int, SurveyInvitation]:
    """Each client's latest answer within a year, when it was a happy one."""
    latest: dict[int, SurveyInvitation] = {}
    answers = SurveyInvitation.objects.filter(
        status=InvitationStatus.ANSWERED,
        answered_at__gte=now - SATISFIED_WITHIN,
        party__relationship__kind=RelationshipKind.CLIENT,
        party__merged_into__isnull=True,
    ).order_by("answered_at")
    for answer in answers:
        latest[answer.party_id] = answer
    return {pk: answer for pk, answer in latest.items() if happy(answer.kind, answer.score)}


def candidates(pilot: Pilot, *, now: dt.datetime | None = None) -> list[Candidate]:
    """Everyone who may sit on the panel, best first (the longest relationship first)."""
    now = now or timezone.now()
    answers = _happy_answers(now)
    complaining = set(
        FeedbackItem.objects.filter(
            party_id__in=answers, status__in=OPEN, severity__in=COMPLAINT
        ).values_list("party_id", flat=True)
    )
    ids = [pk for pk in answers if pk not in complaining]
    agreed = {
        channel: current_consents(ids, channel, Purpose.MARKETING)
        for channel in (Channel.EMAIL, Channel.SMS)
    }
    found = []
    for party in Party.objects.filter(pk__in=ids).select_related("relationship"):
        channel = next(
            (
                c
                for c in (Channel.SMS, Channel.EMAIL)
                if agreed[c].get(party.pk) and party_address(party, c)
            ),
            None,
        )
        if channel is None:
            continue
        answer = answers[party.pk]
        since = party.relationship.since
        reasons = [
            {
                "code": "pilot.reason.satisfied",
                "kind": answer.kind,
                "score": answer.score,
                "day": timezone.localdate(answer.answered_at).isoformat(),
            },
            {"code": "pilot.reason.consented", "channel": channel},
        ]
        if since:
            years = (timezone.localdate(now) - since).days // 365
            reasons.insert(
                0, {"code": "pilot.reason.tenure", "since": since.isoformat(), "years": years}
            )
        found.append(Candidate(party, channel, reasons))
    far = dt.date.max
    return sorted(found, key=lambda c: (c.party.relationship.since or far, c.party.pk))


def do_choose_panel(pilot: Pilot, party_ids: list[int], *, actor) -> int:
    """Seat the chosen candidates (others are refused: the panel is consenting and satisfied
    clients only). Returns how many were added."""
    if pilot.status == PilotStatus.LAUNCHED:
        raise PilotRefused("pilot.launched")
    eligible = {c.party.pk: c for c in candidates(pilot)}
    strangers = [pk for pk in party_ids if pk not in eligible]
    if strangers:
        raise PilotRefused("pilot.not_eligible", count=len(strangers))
    added = 0
    with transaction.atomic():
        for pk in party_ids:
            _member, created = PilotMember.objects.get_or_create(
                pilot=pilot, party_id=pk, defaults={"reasons": eligible[pk].reasons}
            )
            added += created
    return added


def do_invite_panel(pilot: Pilot, *, subject: str, body: str, actor, now=None) -> int:
    """Invite every member not yet invited: advertising (an offer to try something), on the
    channel they agreed to, framed and timed by the advertising rules at delivery."""
    now = now or timezone.now()
    if not body.strip():
        raise PilotRefused("pilot.no_words")
    members = list(pilot.members.filter(message__isnull=True).select_related("party"))
    if not members and not pilot.members.exists():
        raise PilotRefused("pilot.no_panel")
    states = channel_states()
    invited = 0
    with transaction.atomic():
        for member in members:
            channel = _agreed_channel(member.party)
            if channel is None:
                continue  # withdrew since being chosen
            queued = queue_notice(
                member.party,
                channel,
                topic=f"pilot:{pilot.pk}",
                subject=subject.strip()[:200],
                body=body.strip()[:2000],
                message_class=MessageClass.PROMOTIONAL,
                basis=rules.consent_basis(),
                states=states,
                at=now,
            )
            if queued is None:
                continue  # no address on that channel any more
            member.message = queued
            member.save(update_fields=["message"])
            record_activity(
                member.party,
                "pilot.invited",
                actor=actor,
                data={"pilot": pilot.pk, "title": pilot.title},
            )
            invited += 1
        if invited and pilot.status == PilotStatus.DRAFT:
            pilot.status, pilot.invited_at = PilotStatus.RUNNING, now
            pilot.save(update_fields=["status", "invited_at"])
    return invited


def _agreed_channel(party: Party) -> str | None:
    for channel in (Channel.SMS, Channel.EMAIL):
        agreed = current_consents([party.pk], channel, Purpose.MARKETING).get(party.pk)
        if agreed and party_address(party, channel):
            return channel
    return None


def pilot_survey(pilot: Pilot) -> Survey:
    own = Survey.objects.filter(kind=SurveyKind.CSAT, offering=pilot.offering).first()
    return own or general_survey(SurveyKind.CSAT)


def do_ask_panel(pilot: Pilot, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Ask each member how it went (CSAT about the offering), once per member."""
    now = now or timezone.now()
    if pilot.status != PilotStatus.RUNNING:
        raise PilotRefused("pilot.not_running")
    survey = pilot_survey(pilot)
    counts: dict[str, int] = {}
    for member in pilot.members.filter(message__isnull=False):
        ask = Ask(
            survey,
            member.party_id,
            f"pilot:{pilot.pk}",
            rules.quiet_hours_end(now),
            subject=pilot.offering.name,
            offering_id=pilot.offering_id,
            pilot_id=pilot.pk,
        )
        outcome = ask_party(ask, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def do_report_problem(pilot: Pilot, party: Party, text: str, severity: str, *, actor):
    """A problem a panel member reported to a member of the team."""
    if not pilot.members.filter(party=party).exists():
        raise PilotRefused("pilot.not_member")
    return do_open_item(
        party, source="member", severity=severity, text=text, pilot=pilot, actor=actor
    )


@dataclass(frozen=True)
class Readiness:
    panel: int
    invited: int
    asked: int
    answered: int
    satisfied: float | None  # % answering 4 or 5
    threshold: int
    min_answers: int
    problems_open: int
    problems_resolved: int

    @property
    def enough_answers(self) -> bool:
        return self.answered >= self.min_answers

    @property
    def satisfied_enough(self) -> bool:
        return self.satisfied is not None and self.satisfied >= self.threshold

    @property
    def ready(self) -> bool:
        return self.enough_answers and self.satisfied_enough and not self.problems_open


def readiness(pilot: Pilot) -> Readiness:
    asked = SurveyInvitation.objects.filter(pilot=pilot).exclude(status=InvitationStatus.SKIPPED)
    scores = list(asked.filter(status=InvitationStatus.ANSWERED).values_list("kind", "score"))
    satisfied = (
        100.0 * sum(happy(kind, score) for kind, score in scores) / len(scores) if scores else None
    )
    problems = FeedbackItem.objects.filter(pilot=pilot)
    return Readiness(
        panel=pilot.members.count(),
        invited=pilot.members.filter(message__isnull=False).count(),
        asked=asked.count(),
        answered=len(scores),
        satisfied=satisfied,
        threshold=pilot.threshold,
        min_answers=pilot.min_answers,
        problems_open=problems.filter(status__in=OPEN).count(),
        problems_resolved=problems.filter(status=ItemStatus.CLOSED).count(),
    )


def do_launch(pilot: Pilot, *, actor, despite_open: bool = False, now=None) -> Pilot:
    """Launch to everyone; before the pilot is ready (too few answers, too few satisfied,
    problems open), only when the person says so."""
    now = now or timezone.now()
    with transaction.atomic():
        pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
        if pilot.status == PilotStatus.LAUNCHED:
            raise PilotRefused("pilot.launched")
        state = readiness(pilot)
        if not state.ready and not despite_open:
            if state.problems_open:
                raise PilotRefused("pilot.problems_open", count=state.problems_open)
            raise PilotRefused("pilot.not_ready")
        still_open = state.problems_open
        pilot.status, pilot.launched_at, pilot.launched_by = PilotStatus.LAUNCHED, now, actor
        pilot.launched_with_open = still_open
        pilot.save()
    return pilot
