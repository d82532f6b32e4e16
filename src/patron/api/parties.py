"""Parties: list (by id, a page at a time, with a cursor), search by phone, email or name,
read one; what each receives, and a decision another system collected."""

from __future__ import annotations

import base64
import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema

from patron.core.problems import Problem
from patron.outreach.services import do_record_consent_from_system, preferences_of
from patron.parties.access import record_access
from patron.parties.models import AccessAction, Party
from patron.parties.normalize import normalize_phone
from patron.parties.queries import live_parties
from patron.rights import as_json

from .auth import need
from .problems import ERRORS, WRITE_ERRORS, invalid

router = Router(tags=["parties"])
MOST_PER_PAGE = 200


class PartyOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    locale: str
    market: str
    relationship: str | None
    manager: str | None
    since: dt.date | None
    created_at: dt.datetime


class PartyPage(Schema):
    items: list[PartyOut]
    next_cursor: str | None


class PartyQuery(Schema):
    q: str = ""
    phone: str = ""
    email: str = ""
    cursor: str = ""
    limit: int = 50


def _out(party: Party) -> dict:
    relationship = getattr(party, "relationship", None)
    owner = relationship.owner if relationship is not None else None
    return {
        "id": party.pk,
        "name": party.display_name,
        "email": party.email,
        "phone": party.phone,
        "locale": party.locale,
        "market": party.market,
        "relationship": relationship.kind if relationship is not None else None,
        "manager": (owner.get_full_name() or owner.username) if owner is not None else None,
        "since": relationship.since if relationship is not None else None,
        "created_at": party.created_at,
    }


def _cursor_for(pk: int) -> str:
    return base64.urlsafe_b64encode(f"p{pk}".encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    """The id a cursor stands after; a cursor Patron did not give is a 422 on the field."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("p") or not text[1:].isdigit():
            raise ValueError(text)
        return int(text[1:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("not a cursor this API gave", "query", "cursor") from exc


@router.get("", response={200: PartyPage, **ERRORS}, summary="List or search parties")
def list_parties(request, filters: Query[PartyQuery]):
    """Parties in id order, `limit` at a time (at most 200): pass `next_cursor` back as
    `cursor` for the next page. `phone` and `email` find a party by any number or address it
    gave; `q` searches names too."""
    need(request, "parties", "read")
    if not 1 <= filters.limit <= MOST_PER_PAGE:
        raise invalid(f"from 1 to {MOST_PER_PAGE}", "query", "limit")
    parties = live_parties().select_related("relationship__owner")
    if filters.phone:
        phone = normalize_phone(filters.phone, settings.PATRON_DEFAULT_REGION)
        if not phone:
            raise invalid("not a phone number", "query", "phone")
        parties = parties.filter(Q(phone=phone) | Q(contact_points__value=phone)).distinct()
    if filters.email:
        email = filters.email.strip().lower()
        parties = parties.filter(Q(email=email) | Q(contact_points__value=email)).distinct()
    if filters.q.strip():
        text = filters.q.strip()[:100]
        parties = parties.filter(Q(display_name__icontains=text) | Q(email__icontains=text))
    page = list(parties.filter(pk__gt=_after(filters.cursor)).order_by("pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    searched = filters.phone or filters.email or filters.q
    record_access(
        request,
        AccessAction.SEARCH if searched else AccessAction.LIST,
        [party.pk for party in page],
        query=" ".join(part for part in (filters.phone, filters.email, filters.q) if part),
        token=request.auth,
    )
    return {
        "items": [_out(party) for party in page],
        "next_cursor": _cursor_for(page[-1].pk) if more else None,
    }


@router.get("/{party_id}", response={200: PartyOut, **ERRORS}, summary="Read a party")
def read_party(request, party_id: int):
    """A party by its id. A party merged into another answers with the one it became."""
    need(request, "parties", "read")
    party = get_object_or_404(Party.objects.select_related("relationship__owner"), pk=party_id)
    while party.merged_into_id:
        party = party.merged_into
    record_access(request, AccessAction.VIEW, [party.pk], token=request.auth)
    return _out(party)


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool


class ConsentIn(Schema):
    channel: str
    purpose: str
    granted: bool
    how: str
    wording: str = ""
    decided_at: dt.datetime | None = None


class ConsentAnswer(Schema):
    changed: bool
    in_force: list[ConsentOut]


def _in_force(party: Party) -> list[dict]:
    return [
        {"channel": channel, "purpose": purpose, "granted": granted}
        for (channel, purpose), granted in preferences_of(party).items()
    ]


@router.get(
    "/{party_id}/consent",
    response={200: list[ConsentOut], **ERRORS},
    summary="What a party receives",
)
def read_consent(request, party_id: int):
    """Each channel and purpose, and whether the person's decision in force is a yes."""
    need(request, "outreach", "read")
    return _in_force(get_object_or_404(Party, pk=party_id))


# Which input a refusal is about.
_CONSENT_FIELD = {
    "consent.no_wording": "wording",
    "consent.future": "decided_at",
    "consent.before_refusal": "granted",
    "consent.bad_choice": "how",
}


@router.post(
    "/{party_id}/consent",
    response={200: ConsentAnswer, **WRITE_ERRORS},
    summary="Record a decision",
)
def record_consent(request, party_id: int, decision: ConsentIn):
    """A yes or a no the person gave through your system, with its evidence: `how`
    (online_form, app, pos or kiosk), when (`decided_at`, now by default), and for a yes
    the words they agreed to (`wording`). A no counts at once; a yes dated before a no the
    person gave since is refused; the person is told either way."""
    need(request, "outreach", "write")
    if decision.decided_at is not None and timezone.is_naive(decision.decided_at):
        example = "2026-12-08T14:00:00+09:00"
        raise invalid(f"a time with its offset, e.g. {example}", "body", "decision", "decided_at")
    party = get_object_or_404(Party, pk=party_id)
    try:
        changed = do_record_consent_from_system(
            party,
            decision.channel,
            decision.purpose,
            granted=decision.granted,
            system=request.auth.name,
            how=decision.how,
            wording=decision.wording,
            decided_at=decision.decided_at or timezone.now(),
        )
    except Problem as refused:
        field = _CONSENT_FIELD.get(refused.code, "")
        raise invalid(str(refused), "body", "decision", field) from None
    return {"changed": changed, "in_force": _in_force(party)}


@router.get(
    "/{party_id}/export", response={200: dict, **ERRORS}, summary="Everything about a party"
)
def export_party(request, party_id: int):
    """Everything Patron keeps about the party (profile, contact points, consents with
    evidence, orders and lines, engagements, messages, survey answers, feedback, points,
    coupons, timeline, who looked at it), for the person's right to see and take it. Needs
    the token's own `data_requests` area."""
    need(request, "data_requests", "read")
    party = get_object_or_404(Party, pk=party_id)
    while party.merged_into_id:
        party = party.merged_into
    record_access(request, AccessAction.EXPORT, [party.pk], token=request.auth)
    return HttpResponse(as_json(party), content_type="application/json")
