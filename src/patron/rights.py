"""A person's right to see and take their data (개인정보 보호법 §35 열람, §35-2 전송요구):
everything Patron keeps about one party, as JSON or as a ZIP of CSV files.

Profile, contact points, the relationship, every consent decision with its evidence,
orders with their lines, engagements, messages sent (what and how, and their fate),
survey answers, feedback, points, coupons and grade, the timeline, and who looked at their
data (the access log). Generated things are worded in the reader's language. A merged
party's records are included with the party it became. Read in one query per section (the
lines of all orders in one), so 10,000 orders take seconds; CSV text is Excel-safe (a cell
starting with =, +, -, @ is quoted as text).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from patron.commerce.imports import excel_safe
from patron.commerce.models import Engagement, Order, OrderLine
from patron.core.wording import say
from patron.feedback.models import FeedbackItem, SurveyInvitation
from patron.loyalty.models import CouponRedemption, Membership, PointEntry
from patron.outreach.models import OutboxMessage
from patron.parties.models import AccessRecord, Activity, Consent, ContactPoint, Party

SECTIONS = (
    "contact_points",
    "consents",
    "orders",
    "order_lines",
    "engagements",
    "messages",
    "survey_answers",
    "feedback",
    "points",
    "coupons",
    "timeline",
    "access",
)


def _records(party: Party) -> list[int]:
    """The party and every record merged into it (their rows are theirs too)."""
    ids, frontier = [party.pk], [party.pk]
    while frontier:
        frontier = list(
            Party.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def party_data(party: Party) -> dict[str, Any]:
    ids = _records(party)
    relationship = getattr(party, "relationship", None)
    membership = Membership.objects.filter(party=party).select_related("grade").first()
    orders = list(
        Order.objects.filter(party_id__in=ids)
        .order_by("occurred_at", "pk")
        .values(
            "pk",
            "source",
            "external_id",
            "occurred_at",
            "status",
            "currency",
            "amount",
            "refunded_amount",
            "discount_amount",
            "discount_code",
            "member_grade",
        )
    )
    return {
        "exported_at": timezone.now(),
        "party": {
            "id": party.pk,
            "name": party.display_name,
            "email": party.email,
            "phone": party.phone,
            "birthday": party.birthday,
            "locale": party.locale,
            "market": party.market,
            "created_at": party.created_at,
            "merged_records": ids[1:],
        },
        "relationship": {
            "kind": relationship.kind,
            "since": relationship.since,
            "manager": relationship.owner.get_username() if relationship.owner_id else None,
        }
        if relationship
        else None,
        "grade": membership.grade.name if membership and membership.grade else None,
        "contact_points": list(
            ContactPoint.objects.filter(party_id__in=ids).values("kind", "value", "source")
        ),
        "consents": [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "granted": c.granted,
                "recorded_at": c.recorded_at,
                "source": c.source,
                "evidence": c.evidence,
            }
            for c in Consent.objects.filter(party_id__in=ids).order_by("recorded_at", "pk")
        ],
        "orders": orders,
        "order_lines": list(
            OrderLine.objects.filter(order_id__in=[o["pk"] for o in orders])
            .order_by("order_id", "line_no")
            .values("order_id", "line_no", "name", "quantity", "unit_price")
        ),
        "engagements": list(
            Engagement.objects.filter(party_id__in=ids)
            .order_by("started_at", "pk")
            .values("kind", "title", "started_at", "ended_at", "status", "amount", "currency")
        ),
        "messages": [
            {
                "channel": m.channel,
                "kind": m.message_class,
                "status": m.status,
                "subject": (m.content or {}).get("subject", ""),
                "created_at": m.created_at,
                "sent_at": m.sent_at,
                "why_not": say(m.reason) if m.reason else "",
            }
            for m in OutboxMessage.objects.filter(party_id__in=ids).order_by("created_at", "pk")
        ],
        "survey_answers": list(
            SurveyInvitation.objects.filter(party_id__in=ids, answered_at__isnull=False)
            .order_by("answered_at")
            .values("kind", "subject", "score", "comment", "answered_at")
        ),
        "feedback": list(
            FeedbackItem.objects.filter(party_id__in=ids)
            .order_by("opened_at")
            .values("source", "severity", "text", "status", "opened_at", "closed_at")
        ),
        "points": [
            {
                "kind": e.kind,
                "amount": e.amount,
                "change": e.delta,
                "why": say(e.reason),
                "at": e.created_at,
                "expires_at": e.expires_at,
            }
            for e in PointEntry.objects.filter(party_id__in=ids).order_by("created_at", "pk")
        ],
        "coupons": list(
            CouponRedemption.objects.filter(party_id__in=ids)
            .order_by("redeemed_at")
            .values("coupon__code", "discount", "source", "redeemed_at", "undone_at")
        ),
        "timeline": [
            {"at": a.occurred_at, "what": say({"code": f"activity.{a.verb}", **a.data})}
            for a in Activity.objects.filter(party_id__in=ids).order_by("occurred_at", "pk")
        ],
        "access": _access_of(ids),
    }


def _access_of(ids: list[int], most: int = 5000) -> list[dict]:
    """Who looked at this person's data (under any of their records), newest first. The
    ids are in a JSON list: matched as text in the database, then exactly."""
    wanted = set(ids)
    text = Q()
    for pk in ids:
        text |= Q(parties__icontains=str(pk))
    rows = AccessRecord.objects.filter(text).select_related("user", "token").order_by("-at")
    found = []
    for r in rows.iterator(chunk_size=2000):
        if not wanted & set(r.parties or []):
            continue  # 12 matched 120
        who = r.user.get_username() if r.user_id else (r.token.name if r.token_id else "")
        found.append({"at": r.at, "who": who, "action": r.action})
        if len(found) >= most:
            break
    return found


def as_json(party: Party) -> str:
    data = party_data(party)
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain)


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def as_csv_zip(party: Party) -> bytes:
    """One CSV per section (UTF-8 with a BOM, so Excel reads Korean), in one ZIP."""
    data = party_data(party)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("party.csv", _csv([data["party"] | {"grade": data["grade"]}]))
        for section in SECTIONS:
            archive.writestr(f"{section}.csv", _csv(data[section]))
    return buffer.getvalue()


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    if not rows:
        return out.getvalue()
    writer = csv.writer(out)
    columns = list(rows[0])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _cell(value) -> str:
    """Text made safe for Excel; numbers, dates and booleans as they are (-100 stays a
    number)."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return excel_safe(json.dumps(value, ensure_ascii=False, default=_plain))
    if isinstance(value, str):
        return excel_safe(value)
    return _plain(value)
