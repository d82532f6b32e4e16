"""What loyalty adds to keeping in touch: a segment filter on the member grade, and the
grade and the points balance as merge fields. Registered when the app is ready, because
outreach sits below loyalty and cannot import it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patron.outreach.audience import register_merge_field
from patron.outreach.segments import SegmentRefused, register_filter

from .grades import all_grades, entry_grade, grade_program
from .models import MemberGrade, Membership, PointBalance
from .recommendations import next_offering_names


def check_grades(value: Any) -> list[int]:
    values = [value] if isinstance(value, (str, int)) else list(value)
    try:
        ids = sorted({int(item) for item in values})
    except (TypeError, ValueError) as exc:
        raise SegmentRefused("segment.not_a_number", filter="grade") from exc
    known = set(MemberGrade.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for pk in ids:
        if pk not in known:
            raise SegmentRefused("segment.bad_choice", filter="grade", value=str(pk))
    return ids


def grade_condition(ids: list[int]) -> Q:
    """Parties holding one of the grades; those never computed hold the entry grade."""
    condition = Q(membership__grade_id__in=ids)
    start = entry_grade(all_grades())
    if start is not None and start.pk in ids:
        condition |= Q(membership__isnull=True)
    return condition


def grade_names(ids: list[int]) -> dict[int, str]:
    if not grade_program().enabled:
        return {}
    start = entry_grade(all_grades())
    held = dict(Membership.objects.filter(party_id__in=ids).values_list("party_id", "grade__name"))
    names = {pk: name for pk, name in held.items() if name}
    if start is not None:  # never computed: the entry grade
        names.update({pk: start.name for pk in ids if pk not in held})
    return names


def point_balances(ids: list[int]) -> dict[int, str]:
    rows = PointBalance.objects.filter(party_id__in=ids).values_list("party_id", "available")
    found = {pk: f"{available:,}" for pk, available in rows}
    return {pk: found.get(pk, "0") for pk in ids}


def register() -> None:
    register_filter("grade", check_grades, grade_condition)
    register_merge_field("grade", _("Their member grade"), grade_names)
    register_merge_field("points", _("Their usable points"), point_balances)
    register_merge_field(
        "recommended",
        _("What they are due to buy again, else what they may like next"),
        next_offering_names,
    )
