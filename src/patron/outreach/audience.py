"""What the planner and the courier need to know about a batch of parties, read in bulk."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connection
from django.db.models import Max

from patron.commerce.models import NOT_PURCHASED, OrderLine
from patron.core.business import Business, business
from patron.parties.models import Channel, Party

from .models import CAPPED, OUTGOING, OutboxMessage, Suppression
from .rules import KOREA

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass(frozen=True)
class Person:
    pk: int
    name: str
    email: str
    phone: str
    locale: str
    kind: str
    since: dt.date | None
    manager: str
    # Merge fields an app above outreach provides (a grade, a points balance), read in bulk.
    extra: dict[str, str] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def address(self, channel: str) -> str:
        if channel == Channel.EMAIL:
            return self.email
        if channel in (Channel.SMS, Channel.KAKAO):
            return self.phone
        return ""

    @property
    def language(self) -> str:
        return self.locale or settings.PATRON_MESSAGE_LANGUAGE


# Merge fields that apps above outreach add (patron.loyalty: the grade, the points): each
# reads its values for a batch of parties in one query, only when a message uses it.
_EXTRA_FIELDS: dict[str, Callable[[list[int]], dict[int, str]]] = {}


def register_merge_field(name: str, label, read: Callable[[list[int]], dict[int, str]]) -> None:
    from .templating import MERGE_FIELDS

    MERGE_FIELDS[name] = label
    _EXTRA_FIELDS[name] = read


def with_extras(found: dict[int, Person], fields: Iterable[str]) -> dict[int, Person]:
    """The people with the values of the registered fields the message uses."""
    wanted = [name for name in fields if name in _EXTRA_FIELDS]
    if not wanted or not found:
        return found
    read = {name: _EXTRA_FIELDS[name](list(found)) for name in wanted}
    return {
        pk: replace(person, extra={name: read[name].get(pk, "") for name in wanted})
        for pk, person in found.items()
    }


def people(ids: Iterable[int], fields: Iterable[str] = ()) -> dict[int, Person]:
    rows = Party.objects.filter(pk__in=list(ids)).values_list(
        "pk",
        "display_name",
        "email",
        "phone",
        "locale",
        "relationship__kind",
        "relationship__since",
        "relationship__owner__first_name",
        "relationship__owner__username",
    )
    return with_extras({row[0]: _person(*row) for row in rows}, fields)


def _person(pk, name, email, phone, locale, kind, since, owner_first, owner_user) -> Person:
    """A party as a message needs it, from the nine columns both readers select."""
    manager = owner_first or owner_user or ""
    return Person(pk, name, email, phone, locale, kind or "", _date(since), manager)


def merge_values(
    person: Person, fields: Iterable[str], moment: dt.datetime, biz: Business | None = None
) -> dict[str, str]:
    values: dict[str, str] = {}
    name = (biz or business()).display_name if {"business", "manager"} & set(fields) else ""
    for field in fields:
        if field == "name":
            values[field] = person.name
        elif field == "first_name":
            values[field] = first_name(person.name)
        elif field == "business":
            values[field] = name
        elif field == "manager":
            values[field] = person.manager or name
        elif field == "years":
            values[field] = str(years_between(person.since, moment.date()))
        elif field == "since":
            values[field] = str(person.since.year) if person.since else ""
        elif field in person.extra:
            values[field] = person.extra[field]
    return values


def first_name(name: str) -> str:
    """How a message greets someone: a Korean name in full (홍길동 님), else the first word."""
    name = name.strip()
    if _HANGUL.search(name):
        return name
    return name.split()[0] if name else ""


def years_between(since: dt.date | None, day: dt.date) -> int:
    if since is None:
        return 0
    years = day.year - since.year - ((day.month, day.day) < (since.month, since.day))
    return max(years, 0)


def last_purchases(ids: list[int], offerings: list[int]) -> dict[int, dt.date]:
    """The day each party last bought one of these offerings (a purchase, not a cancellation)."""
    if not offerings:
        return {}
    rows = (
        OrderLine.objects.filter(order__party_id__in=ids, offering_id__in=offerings)
        .exclude(order__status__in=NOT_PURCHASED)
        .values("order__party_id")
        .annotate(last=Max("order__occurred_at"))
        .values_list("order__party_id", "last")
    )
    return {party_id: last.astimezone(KOREA).date() for party_id, last in rows}


# -- the planner's reads: one id range at a time --------------------------------------------------
# The planner takes parties in id order, so each batch is a range: every read below is a range
# scan on an index rather than an IN list of a thousand ids, and goes through the cursor rather
# than the ORM (at 100,000 parties, building querysets with IN lists was a third of planning).


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def people_between(first: int, last: int, fields: Iterable[str] = ()) -> dict[int, Person]:
    from django.contrib.auth import get_user_model

    from patron.parties.models import Relationship

    sql = (
        "SELECT p.id, p.display_name, p.email, p.phone, p.locale, r.kind, r.since, "
        "u.first_name, u.username "
        # The range is given for both tables, so each is read by its index whatever the
        # database believes about their sizes.
        f"FROM {_table(Party)} p LEFT JOIN {_table(Relationship)} r "
        "ON r.party_id = p.id AND r.party_id BETWEEN %s AND %s "
        f"LEFT JOIN {_table(get_user_model())} u ON u.id = r.owner_id "
        "WHERE p.id BETWEEN %s AND %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, first, last])
        found = {row[0]: _person(*row) for row in cursor.fetchall()}
    return with_extras(found, fields)


def consents_between(first: int, last: int, channel: str, purpose: str) -> dict[int, bool]:
    """The decision in force per party of the range (the newest wins)."""
    from patron.parties.models import Consent

    sql = (
        f"SELECT party_id, granted FROM {_table(Consent)} "
        "WHERE party_id BETWEEN %s AND %s AND channel = %s AND purpose = %s "
        "ORDER BY party_id, recorded_at, id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, channel, purpose])
        return {party_id: bool(granted) for party_id, granted in cursor.fetchall()}


def suppressed_between(first: int, last: int, channel: str) -> set[int]:
    column = "email" if channel == Channel.EMAIL else "phone"
    sql = (
        f"SELECT p.id FROM {_table(Party)} p JOIN {_table(Suppression)} s "
        f"ON s.channel = %s AND s.address = p.{column} "
        f"WHERE p.id BETWEEN %s AND %s AND p.{column} <> ''"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [channel, first, last])
        return {row[0] for row in cursor.fetchall()}


def planned_between(campaign_id: int, first: int, last: int) -> set[int]:
    sql = (
        f"SELECT party_id FROM {_table(OutboxMessage)} "
        "WHERE campaign_id = %s AND party_id BETWEEN %s AND %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign_id, first, last])
        return {row[0] for row in cursor.fetchall()}


def planned_keys(keys: list[str]) -> set[int]:
    """Parties whose message with one of these dedupe keys exists (a sparse audience)."""
    found: set[int] = set()
    for start in range(0, len(keys), 900):
        found.update(
            OutboxMessage.objects.filter(dedupe_key__in=keys[start : start + 900]).values_list(
                "party_id", flat=True
            )
        )
    return found


def recent_between(
    first: int, last: int, since: dt.datetime
) -> dict[int, list[tuple[str, dt.datetime]]]:
    """Each party's capped messages planned or sent since then: (class, when).

    Only the party range and the date go to the database, so it walks the (party, class,
    created) index; with the class and status there too, SQLite chose the status index and
    read every queued row of the outbox for each batch."""
    history: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = OutboxMessage.objects.filter(
        party_id__gte=first, party_id__lte=last, created_at__gte=since
    ).values_list("party_id", "message_class", "status", "created_at")
    for party_id, message_class, status, when in rows:
        if message_class in CAPPED and status in OUTGOING:
            history[party_id].append((message_class, when))
    return history


def lock_between(first: int, last: int) -> None:
    """Hold the parties of this id range until the transaction ends, so two planners deciding
    for the same person take turns and each sees the other's messages when it counts the
    budget. One range, in id order: two planners never wait on each other in a circle.
    (SQLite: the IMMEDIATE transaction already holds the only write lock.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {_table(Party)} WHERE id BETWEEN %s AND %s ORDER BY id FOR UPDATE",
                [first, last],
            )
