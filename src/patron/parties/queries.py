"""Reads about parties that pages, the CLI and the API share. Views call one of these."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from .models import ContactPoint, Party, Relationship, RelationshipKind
from .normalize import name_key, normalize_email, normalize_phone

SORTS = {
    "name": ("display_name",),
    "-name": ("-display_name",),
    "new": ("-created_at",),
    "old": ("created_at",),
}


def live_parties() -> QuerySet[Party]:
    """Parties that were not merged into another."""
    return Party.objects.filter(merged_into__isnull=True)


def search_parties(query: str = "", *, kind: str = "", sort: str = "name") -> QuerySet[Party]:
    """The party list: an exact email or phone match first, then names, then the rest.

    Digits are searched in phone numbers only when the query looks like a phone number, so
    an email's digits do not pull in strangers whose numbers happen to contain them.
    """
    parties = live_parties().select_related("relationship", "relationship__owner")
    if kind in RelationshipKind.values:
        parties = parties.filter(relationship__kind=kind)
    order = SORTS.get(sort, SORTS["name"])
    query = query.strip()[:100]
    if not query:
        return parties.order_by(*order, "pk")
    email = normalize_email(query)
    phone = (
        normalize_phone(query, settings.PATRON_DEFAULT_REGION) if _looks_like_phone(query) else None
    )
    key = name_key(query)
    condition = Q(name_key__contains=key) | Q(email__icontains=query.lower())
    exact = []
    for kind, value in (("email", email), ("phone", phone)):
        if value:
            # Any email or phone the party was ever seen with, not only the one shown.
            seen = Exists(ContactPoint.objects.filter(party=OuterRef("pk"), kind=kind, value=value))
            condition |= Q(**{kind: value}) | seen
            exact.append(When(Q(**{kind: value}) | seen, then=Value(0)))
    if phone:
        digits = "".join(ch for ch in query if ch.isdigit()).lstrip("0")
        if len(digits) >= 4:
            condition |= Q(phone__contains=digits)
    rank = Case(
        *exact,
        When(name_key=key, then=Value(1)),
        When(name_key__startswith=key, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return parties.filter(condition).annotate(rank=rank).order_by("rank", *order, "pk")


def _looks_like_phone(query: str) -> bool:
    stripped = (
        query.replace(" ", "").replace("-", "").replace("(", "").replace(")", "").replace(".", "")
    )
    return stripped.lstrip("+").isdigit() and len(stripped) >= 4


def counts_by_kind() -> dict[str, int]:
    """Live parties per relationship kind."""
    return dict(
        Relationship.objects.filter(party__merged_into__isnull=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )


def kinds_in_use() -> list[tuple[str, str]]:
    """The relationship kinds to filter by: customer and client, and any other kind in use."""
    used = counts_by_kind()
    always = (RelationshipKind.CUSTOMER, RelationshipKind.CLIENT)
    return [
        (value, label)
        for value, label in RelationshipKind.choices
        if value in always or used.get(value)
    ]
