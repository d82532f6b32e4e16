"""Feedback items: each one owned, due, answered, and closed with what was done.

An item opens from an unhappy survey answer or a comment, from what a member heard, from an
incident, or from another system. Its owner is the party's account manager, else an owner of
the business. Its due times are counted in working hours (feedback.dues); an item past them
is escalated to an owner once. A reply goes through the outbox as a personal message, or a
call is logged; closing says what was done and why it happened, and asks the party again a
day later: a party still unhappy reopens the item.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from patron.accounts.roles import GROUPS, Role
from patron.core.problems import Problem
from patron.outreach import rules
from patron.outreach.models import MessageClass
from patron.outreach.services import party_address, queue_notice
from patron.parties.activity import record_activity
from patron.parties.models import Channel, Party

from . import dues
from .models import (
    Cause,
    FeedbackItem,
    ItemSource,
    ItemStatus,
    Severity,
    SurveyInvitation,
    SurveyKind,
)

OPEN = (ItemStatus.OPEN, ItemStatus.WAITING)
# The due time an item answers to (the first response until it came, then the resolution),
# soonest first; items whose clock stands still last.
SOONEST_DUE = (Coalesce("respond_due", "resolve_due").asc(nulls_last=True), "pk")
DUE_SOON = dt.timedelta(hours=24)


class FeedbackRefused(Problem):
    """A change to a feedback item that cannot be made so."""


def unhappy(kind: str, score: int) -> bool:
    """A detractor (NPS 0-6) or a dissatisfied answer (CSAT 1-2)."""
    return score <= 6 if kind == SurveyKind.NPS else score <= 2


def happy(kind: str, score: int) -> bool:
    """A promoter (NPS 9-10) or a satisfied answer (CSAT 4-5)."""
    return score >= 9 if kind == SurveyKind.NPS else score >= 4


def needs_answer(kind: str, score: int, comment: str) -> bool:
    """An unhappy score, or a comment from someone not plainly happy (a passive's "open on
    Saturdays too" is a request to answer; a promoter's thanks goes on the timeline only)."""
    return unhappy(kind, score) or (bool(comment) and not happy(kind, score))


def owner_for(party: Party):
    """The party's account manager, else the business's first owner still on the team."""
    relationship = getattr(party, "relationship", None)
    if relationship is not None and relationship.owner_id and relationship.owner.is_active:
        return relationship.owner
    return first_owner()


def first_owner():
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(groups__name=GROUPS[Role.OWNER]).order_by("pk").first()
        or users.filter(is_superuser=True).order_by("pk").first()
    )


def do_open_item(
    party: Party,
    *,
    source: str,
    severity: str = Severity.NORMAL,
    text: str = "",
    score: int | None = None,
    invitation: SurveyInvitation | None = None,
    incident=None,
    pilot=None,
    actor=None,
    now: dt.datetime | None = None,
) -> FeedbackItem:
    if source not in ItemSource.values:
        raise FeedbackRefused("feedback.bad_source", source=source)
    if severity not in Severity.values:
        raise FeedbackRefused("feedback.bad_severity", severity=severity)
    if source == ItemSource.MEMBER and not text.strip():
        raise FeedbackRefused("feedback.no_text")
    now = now or timezone.now()
    relationship = getattr(party, "relationship", None)
    kind = relationship.kind if relationship else ""
    promise = dues.promise_for(kind, severity)
    item = FeedbackItem(
        party=party,
        source=source,
        severity=severity,
        text=text.strip()[:4000],
        score=score,
        invitation=invitation,
        incident=incident,
        pilot=pilot,
        relationship_kind=kind,
        owner=owner_for(party),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        opened_at=now,
        respond_hours=promise.respond_hours,
        resolve_hours=promise.resolve_hours,
    )
    dues.set_dues(item)
    item.save()
    record_activity(
        party,
        "feedback.opened",
        actor=actor,
        data={
            "item": item.pk,
            "source": source,
            "severity": severity,
            "due": item.respond_due.isoformat() if item.respond_due else "",
        },
        at=now,
    )
    return item


def after_answer(invitation: SurveyInvitation, *, now: dt.datetime) -> FeedbackItem | None:
    """What an answer starts: a follow-up still unhappy reopens its item (a happy one is
    noted on it); an unhappy answer or a comment opens an item, or updates the item the
    same answer opened before it was changed."""
    score = invitation.score
    sad = unhappy(invitation.kind, score)
    if invitation.follow_up_of_id:
        item = invitation.follow_up_of
        if sad and item.status == ItemStatus.CLOSED:
            return do_reopen(
                item, reason={"code": "feedback.reopened_unhappy", "score": score}, now=now
            )
        return item
    existing = invitation.items.first()
    if existing is not None:
        return _answer_changed(existing, invitation, now)
    if not needs_answer(invitation.kind, score, invitation.comment):
        return None
    return do_open_item(
        survivor(invitation.party),
        source=ItemSource.SURVEY if sad else ItemSource.COMMENT,
        severity=Severity.HIGH if sad else Severity.NORMAL,
        text=invitation.comment,
        score=score,
        invitation=invitation,
        pilot=invitation.pilot,
        now=now,
    )


def survivor(party: Party) -> Party:
    """The party a merged record became (an old link answered after a merge)."""
    while party.merged_into_id:
        party = party.merged_into
    return party


def _answer_changed(item: FeedbackItem, invitation: SurveyInvitation, now: dt.datetime):
    """The party changed their answer (within the edit window): the item follows it. Still
    needing an answer, it takes the new severity and its promise (from when it opened); no
    longer needing one (a 3 changed to 10), it closes saying so; closed and now unhappy, it
    opens again."""
    kind, score, comment = invitation.kind, invitation.score, invitation.comment
    sad = unhappy(kind, score)
    if not needs_answer(kind, score, comment):
        if item.status != ItemStatus.CLOSED:
            _close_quietly(item, now, {"code": "feedback.answer_changed", "score": score})
        return item
    if item.status == ItemStatus.CLOSED:
        if not sad:
            return item
        item = do_reopen(item, reason={"code": "feedback.answer_changed", "score": score}, now=now)
    item.score, item.text = score, comment
    item.source = ItemSource.SURVEY if sad else ItemSource.COMMENT
    severity = Severity.HIGH if sad else Severity.NORMAL
    if severity != item.severity:
        item.severity = severity
        promise = dues.promise_for(item.relationship_kind, severity)
        item.respond_hours, item.resolve_hours = promise.respond_hours, promise.resolve_hours
        dues.set_dues(item)
    item.save()
    return item


def _close_quietly(item: FeedbackItem, now: dt.datetime, reason: dict) -> None:
    """Closed because nothing is left to answer: no resolution to write, no follow-up."""
    with transaction.atomic():
        item = _locked(item)
        if item.status == ItemStatus.WAITING:
            _end_pause(item, now)
        item.status, item.closed_at, item.cause = ItemStatus.CLOSED, now, Cause.OTHER
        item.save()
        record_activity(
            item.party_id, "feedback.closed", data={"item": item.pk, "reason": reason}, at=now
        )


def _locked(item: FeedbackItem) -> FeedbackItem:
    locked = FeedbackItem.objects.select_for_update(of=("self",)).select_related("party")
    return locked.get(pk=item.pk)


def _check_open(item: FeedbackItem) -> None:
    if item.status == ItemStatus.CLOSED:
        raise FeedbackRefused("feedback.closed")


def do_log_call(item: FeedbackItem, note: str, *, actor, now: dt.datetime | None = None):
    """A call (or a visit) made: the first response, if none came before."""
    now = now or timezone.now()
    if not note.strip():
        raise FeedbackRefused("feedback.no_note")
    with transaction.atomic():
        item = _locked(item)
        _check_open(item)
        _responded(item, now)
        record_activity(
            item.party_id,
            "feedback.called",
            actor=actor,
            data={"item": item.pk, "note": note.strip()[:2000]},
            at=now,
        )
    return item


def do_reply(
    item: FeedbackItem, body: str, *, actor, channel: str = "", now: dt.datetime | None = None
):
    """A written reply through the outbox: a personal message (outside caps and opt-outs),
    sent on the party's best channel, never at night."""
    now = now or timezone.now()
    body = body.strip()
    if not body:
        raise FeedbackRefused("feedback.no_note")
    with transaction.atomic():
        item = _locked(item)
        _check_open(item)
        party = item.party
        if channel not in ("", Channel.SMS, Channel.EMAIL):
            raise FeedbackRefused("feedback.unreachable", channel=channel)
        channel = channel or next(
            (c for c in (Channel.SMS, Channel.EMAIL) if party_address(party, c)), ""
        )
        if not channel or not party_address(party, channel):
            raise FeedbackRefused("feedback.unreachable", channel=channel)
        # The same words to the same item go once: a double click sends one message.
        words = hashlib.sha256(body.encode()).hexdigest()[:16]
        message = queue_notice(
            party,
            channel,
            topic=f"feedback:{item.pk}:{words}",
            subject=_reply_subject(party),
            body=body[:4000],
            message_class=MessageClass.PERSONAL,
            at=rules.quiet_hours_end(now),
        )
        if message is None:
            return item  # sent already
        _responded(item, now)
        record_activity(
            item.party_id,
            "feedback.replied",
            actor=actor,
            data={"item": item.pk, "channel": channel, "message": message.pk},
            at=now,
        )
    return item


def _reply_subject(party: Party) -> str:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    from patron.core.business import business

    with translation.override(party.locale or settings.PATRON_MESSAGE_LANGUAGE):
        return _("About what you told %(business)s") % {"business": business().display_name}


def _responded(item: FeedbackItem, now: dt.datetime) -> None:
    if item.responded_at is None:
        item.responded_at = now
        dues.set_dues(item)
        item.save(update_fields=["responded_at", "respond_due", "resolve_due"])


def do_wait_on_party(item: FeedbackItem, *, actor, now: dt.datetime | None = None):
    """The business waits on the party (a photo, a visit): the clock stops."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _locked(item)
        _check_open(item)
        if item.status == ItemStatus.WAITING:
            raise FeedbackRefused("feedback.already_waiting")
        item.pauses = [*item.pauses, [now.isoformat(), None]]
        item.status = ItemStatus.WAITING
        dues.set_dues(item)
        item.save()
        record_activity(
            item.party_id, "feedback.waiting", actor=actor, data={"item": item.pk}, at=now
        )
    return item


def _end_pause(item: FeedbackItem, now: dt.datetime) -> None:
    start, _end = item.pauses[-1]
    item.pauses = [*item.pauses[:-1], [start, now.isoformat()]]


def do_resume(item: FeedbackItem, *, actor, now: dt.datetime | None = None):
    """The party answered: the clock runs again, the due times pushed by the pause."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _locked(item)
        if item.status != ItemStatus.WAITING:
            raise FeedbackRefused("feedback.not_waiting")
        _end_pause(item, now)
        item.status = ItemStatus.OPEN
        dues.set_dues(item)
        item.save()
        record_activity(
            item.party_id, "feedback.resumed", actor=actor, data={"item": item.pk}, at=now
        )
    return item


def do_close(
    item: FeedbackItem,
    *,
    resolution: str,
    cause: str,
    actor,
    now: dt.datetime | None = None,
    follow_up: bool = True,
    reason: dict | None = None,
):
    """Closed with what was done and its cause; the party is asked a day later whether it
    is better now (a follow-up survey, outside the 30-day gap: it is the same conversation)."""
    now = now or timezone.now()
    if not resolution.strip():
        raise FeedbackRefused("feedback.no_resolution")
    if cause not in Cause.values:
        raise FeedbackRefused("feedback.no_cause")
    with transaction.atomic():
        item = _locked(item)
        _check_open(item)
        if item.status == ItemStatus.WAITING:
            _end_pause(item, now)
        item.status = ItemStatus.CLOSED
        item.closed_at, item.closed_by = (
            now,
            actor if getattr(actor, "is_authenticated", False) else None,
        )
        item.resolution, item.cause = resolution.strip()[:4000], cause
        if item.responded_at is None:
            item.responded_at = now
        item.save()
        record_activity(
            item.party_id,
            "feedback.closed",
            actor=actor,
            data={"item": item.pk, "cause": cause, **({"reason": reason} if reason else {})},
            at=now,
        )
        if follow_up:
            _ask_again(item, now)
    return item


def _ask_again(item: FeedbackItem, now: dt.datetime) -> str:
    from .surveys import FOLLOW_UP_AFTER, Ask, ask_party, general_survey

    kind = item.invitation.kind if item.invitation_id else SurveyKind.CSAT
    survey = item.invitation.survey if item.invitation_id else general_survey(kind)
    ask = Ask(
        survey,
        item.party_id,
        f"follow_up:{item.pk}:{item.reopened}",
        rules.quiet_hours_end(now + FOLLOW_UP_AFTER),
        subject=item.invitation.subject if item.invitation_id else "",
        offering_id=item.invitation.offering_id if item.invitation_id else None,
        follow_up_of=item,
    )
    return ask_party(ask, now=now)


def do_reopen(item: FeedbackItem, *, reason: dict, actor=None, now: dt.datetime | None = None):
    """Open again, with a new clock from now (the promise as it was)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _locked(item)
        if item.status != ItemStatus.CLOSED:
            return item
        item.status = ItemStatus.OPEN
        item.reopened += 1
        item.opened_at = now
        item.pauses = []
        item.responded_at = item.escalated_at = item.escalated_to = None
        item.closed_at = item.closed_by = None
        dues.set_dues(item)
        item.save()
        record_activity(
            item.party_id,
            "feedback.reopened",
            actor=actor,
            data={"item": item.pk, "reason": reason},
            at=now,
        )
    return item


# -- due, overdue, escalated --------------------------------------------------------------------


def open_items() -> QuerySet[FeedbackItem]:
    return FeedbackItem.objects.filter(status__in=OPEN)


def _overdue_q(now: dt.datetime) -> Q:
    return Q(status=ItemStatus.OPEN) & (
        Q(responded_at__isnull=True, respond_due__lt=now) | Q(resolve_due__lt=now)
    )


def overdue_items(now: dt.datetime | None = None) -> QuerySet[FeedbackItem]:
    return FeedbackItem.objects.filter(_overdue_q(now or timezone.now()))


def due_soon_items(now: dt.datetime | None = None) -> QuerySet[FeedbackItem]:
    now = now or timezone.now()
    soon = now + DUE_SOON
    due = Q(responded_at__isnull=True, respond_due__lt=soon) | Q(resolve_due__lt=soon)
    return FeedbackItem.objects.filter(Q(status=ItemStatus.OPEN) & due).exclude(_overdue_q(now))


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Items past a due time go to an owner of the business, once per opening."""
    now = now or timezone.now()
    owner = first_owner()
    count = 0
    for pk in overdue_items(now).filter(escalated_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            item = _locked(FeedbackItem(pk=pk))
            if item.escalated_at is not None or item.status != ItemStatus.OPEN:
                continue
            item.escalated_at, item.escalated_to = now, owner
            item.save(update_fields=["escalated_at", "escalated_to"])
            record_activity(
                item.party_id,
                "feedback.escalated",
                data={
                    "item": item.pk,
                    "hours_late": round(dues.hours_late(item, now), 1),
                    "to": owner.pk if owner else None,
                },
                at=now,
            )
            count += 1
    return count


def items_for(
    user, now: dt.datetime | None = None
) -> list[tuple[FeedbackItem, dt.datetime | None, float]]:
    """A member's open items (theirs, and those passed to them), the soonest due first, with
    each one's due time and how many working hours late it is."""
    now = now or timezone.now()
    cal = dues.calendar()
    items = (
        open_items()
        .filter(Q(owner=user) | Q(escalated_to=user))
        .select_related("party")
        .order_by(*SOONEST_DUE)[:100]
    )
    return [(item, dues.next_due(item), dues.hours_late(item, now, cal)) for item in items]


@dataclass(frozen=True)
class OverdueSummary:
    count: int
    oldest_days: int  # calendar days since the oldest overdue item fell due


def overdue_summary(now: dt.datetime | None = None) -> OverdueSummary:
    """How many are overdue and how long the oldest has been: counted in the database (the
    dashboard asks on every visit)."""
    now = now or timezone.now()
    late = overdue_items(now)
    count = late.count()
    if not count:
        return OverdueSummary(0, 0)
    first_responses = late.filter(responded_at__isnull=True, respond_due__lt=now).aggregate(
        oldest=Min("respond_due")
    )["oldest"]
    resolutions = late.filter(resolve_due__lt=now).aggregate(oldest=Min("resolve_due"))["oldest"]
    oldest = min(moment for moment in (first_responses, resolutions) if moment)
    return OverdueSummary(count, (now - oldest).days)


@dataclass(frozen=True)
class Overdue:
    item: FeedbackItem
    due: dt.datetime | None  # None while the clock stands still
    hours_late: float

    def as_json(self) -> dict:
        """Times in the business's time zone, with their offset (ISO 8601)."""
        item = self.item

        def local(moment: dt.datetime | None) -> str | None:
            return moment.astimezone(rules.KOREA).isoformat() if moment else None

        return {
            "id": item.pk,
            "party": {"id": item.party_id, "name": item.party.display_name},
            "owner": item.owner.get_username() if item.owner_id else None,
            "severity": item.severity,
            "source": item.source,
            "opened_at": local(item.opened_at),
            "status": item.status,
            "due": local(self.due),
            "due_for": "first_response" if item.responded_at is None else "resolution",
            "working_hours_late": round(self.hours_late, 1),
            "escalated_at": local(item.escalated_at),
        }


def item_row(item: FeedbackItem, now: dt.datetime | None = None) -> Overdue:
    """One item as the reports show it (a closed one has no due time left)."""
    now = now or timezone.now()
    if item.status == ItemStatus.CLOSED:
        return Overdue(item, None, 0.0)
    return Overdue(item, dues.next_due(item), dues.hours_late(item, now, dues.calendar()))


def item_report(now: dt.datetime | None = None) -> list[Overdue]:
    """Every open item (waiting ones too), the soonest due first."""
    now = now or timezone.now()
    cal = dues.calendar()
    found = [
        Overdue(item, dues.next_due(item), dues.hours_late(item, now, cal))
        for item in open_items().select_related("party", "owner")
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda o: o.due or far)


def overdue_report(now: dt.datetime | None = None) -> list[Overdue]:
    """Overdue items, the longest overdue first."""
    now = now or timezone.now()
    cal = dues.calendar()
    found = [
        Overdue(item, dues.next_due(item), dues.hours_late(item, now, cal))
        for item in overdue_items(now).select_related("party", "owner")
    ]
    return sorted(found, key=lambda o: o.due)
