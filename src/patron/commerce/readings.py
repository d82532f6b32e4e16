"""What the owner said of a source's files: which column is which, what a status word means.
Kept per source (SourceReading) and used on every later file of it, from the page and the
CLI alike."""

from __future__ import annotations

from django.db import transaction

from patron.core.problems import Problem

from .importers.headers import compact
from .importers.profiles import FIELDS
from .importers.statuses import BOOKING_MEANINGS, ORDER_MEANINGS, word
from .models import SourceReading

MEANINGS = tuple(dict.fromkeys((*ORDER_MEANINGS, *BOOKING_MEANINGS)))
MAX_REMEMBERED = 400  # columns or words kept per source


class ReadingRefused(Problem):
    """A correction that cannot be kept (see commerce.wording)."""


def do_remember_reading(
    source: str,
    *,
    columns: dict[str, str] | None = None,
    statuses: dict[str, str] | None = None,
    user=None,
) -> SourceReading:
    """Keep the owner's word on `source`: columns (a column as its header reads -> a field,
    "" for "not used") and statuses (a status word -> a meaning). Later words win."""
    columns, statuses = columns or {}, statuses or {}
    check_reading(columns, statuses)
    with transaction.atomic():
        reading, _ = SourceReading.objects.select_for_update().get_or_create(source=source[:32])
        kept_columns = {**reading.columns, **{compact(c): t for c, t in columns.items()}}
        kept_statuses = {**reading.statuses, **{word(s): m for s, m in statuses.items()}}
        if len(kept_columns) > MAX_REMEMBERED or len(kept_statuses) > MAX_REMEMBERED:
            raise ReadingRefused("reading.too_many", limit=MAX_REMEMBERED)
        reading.columns, reading.statuses = kept_columns, kept_statuses
        reading.updated_by = user
        reading.save()
    return reading


def check_reading(columns: dict[str, str], statuses: dict[str, str]) -> None:
    """Refuse a field or a meaning Patron does not know (before anything is kept)."""
    for column, target in columns.items():
        if target and target not in FIELDS:
            raise ReadingRefused("file.map_unknown_field", column=column, field=target)
    for status, meaning in statuses.items():
        if meaning not in MEANINGS:
            raise ReadingRefused("reading.meaning_unknown", status=status, meaning=meaning)


def corrections(header: list[str], recognised: list[dict], chosen: dict[str, str]) -> dict:
    """What the owner changed on the page: each column whose field differs from how it was
    read (a column read as something and now "not used" is kept as "")."""
    read = {item["column"]: item["field"] for item in recognised if item.get("used_as")}
    changed = {}
    for column in header:
        now, before = chosen.get(column, ""), read.get(column, "")
        if now != before:
            changed[column] = now
    return changed
