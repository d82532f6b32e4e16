"""Feedback from other systems (a shop's contact form, a review site), the open list, and
closing an item with what was done: the same due times, owners and follow-up as on the
pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from patron.core.problems import Problem
from patron.feedback.items import do_close, do_open_item, item_report, item_row, overdue_report
from patron.feedback.models import FeedbackItem, ItemSource, Severity
from patron.parties.models import Party

from .auth import need
from .problems import ERRORS, WRITE_ERRORS, invalid

router = Router(tags=["feedback"])
MOST_LISTED = 500


class ItemParty(Schema):
    id: int
    name: str


class ItemOut(Schema):
    id: int
    party: ItemParty
    owner: str | None
    severity: str
    source: str
    opened_at: str
    status: str
    due: str | None
    due_for: str
    working_hours_late: float
    escalated_at: str | None


class ItemIn(Schema):
    party_id: int
    text: str
    severity: str = Severity.NORMAL


class CloseIn(Schema):
    resolution: str
    cause: str


def _refused(refused: Problem, fields: dict[str, str], where: str):
    return invalid(str(refused), "body", where, fields.get(refused.code, ""))


def _as_json(item: FeedbackItem) -> dict:
    return item_row(item).as_json()


@router.get("", response={200: list[ItemOut], **ERRORS}, summary="Open feedback")
def list_items(request, overdue: bool = False):
    """Open items (waiting ones too), the soonest due first; `overdue=true`: only those past
    a due time, longest first. At most 500."""
    need(request, "feedback", "read")
    rows = overdue_report() if overdue else item_report()
    return [row.as_json() for row in rows[:MOST_LISTED]]


@router.post("", response={201: ItemOut, **WRITE_ERRORS}, summary="Report feedback")
def open_item(request, item: ItemIn):
    """What a party told your system: it gets an owner (their account manager, else an
    owner) and due times in working hours by its severity (low, normal, high, critical)."""
    need(request, "feedback", "write")
    if not item.text.strip():
        raise invalid("required", "body", "item", "text")
    party = get_object_or_404(Party, pk=item.party_id)
    while party.merged_into_id:  # filed with the party the record became
        party = party.merged_into
    try:
        made = do_open_item(party, source=ItemSource.API, severity=item.severity, text=item.text)
    except Problem as refused:
        raise _refused(refused, {"feedback.bad_severity": "severity"}, "item") from None
    return Status(201, _as_json(made))


@router.post("/{item_id}/close", response={200: ItemOut, **WRITE_ERRORS}, summary="Close an item")
def close_item(request, item_id: int, closing: CloseIn):
    """Closed with what was done (`resolution`) and its `cause`; the party is asked a day
    later whether it is better now."""
    need(request, "feedback", "write")
    item = get_object_or_404(FeedbackItem, pk=item_id)
    try:
        do_close(item, resolution=closing.resolution, cause=closing.cause, actor=None)
    except Problem as refused:
        fields = {"feedback.no_resolution": "resolution", "feedback.no_cause": "cause"}
        raise _refused(refused, fields, "closing") from None
    item.refresh_from_db()
    return _as_json(item)
