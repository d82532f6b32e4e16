"""The catalogue: offerings are created as imports name them and guessed tailored or not; an
owner or account manager corrects the guess on the Offerings page."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from patron.core.audit import CHANGE, log_change
from patron.core.bulk import chunked
from patron.core.problems import Problem

from .models import Offering, OfferingKind

# Words that mark work done for one person: a session, a shoot, a consultation, a project.
# A guess to start from; a person corrects an offering's kind on the Offerings page.
_TAILORED = re.compile(
    r"session|shoot|wedding|consult|project|retouch|custom|bespoke|design|portrait|"
    r"appointment|coaching|service|촬영|웨딩|상담|맞춤|리터칭|보정|프로젝트|컨설팅|예약",
    re.IGNORECASE,
)


class OfferingChangeRefused(Problem):
    """A change to an offering that cannot be made."""


def guess_offering_kind(name: str) -> str:
    return OfferingKind.TAILORED if _TAILORED.search(name) else OfferingKind.CATALOGUE


def do_set_offering_kind(offering: Offering, kind: str, *, actor) -> bool:
    """A person says what the offering is; returns whether anything changed. The caller
    refreshes the parties who bought it (their classification depends on it)."""
    if kind not in OfferingKind.values:
        raise OfferingChangeRefused("offering.unknown_kind", kind=kind)
    if kind == offering.kind and offering.kind_set_by_id is not None:
        return False
    with transaction.atomic():
        before = offering.kind
        offering.kind = kind
        offering.kind_set_by = actor
        offering.kind_set_at = timezone.now()
        offering.save(update_fields=["kind", "kind_set_by", "kind_set_at"])
        log_change(actor, offering, CHANGE, {"changed": {"fields": ["kind"], "from": before}})
    return before != kind


class OfferingCatalogue:
    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], int] = {}

    def ids_for(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        missing = sorted(pair for pair in pairs if pair not in self.ids)
        if missing:
            self._load(missing)
            still_missing = [pair for pair in missing if pair not in self.ids]
            Offering.objects.bulk_create(
                [
                    Offering(name=name, sku=sku, kind=guess_offering_kind(name))
                    for name, sku in still_missing
                ],
                ignore_conflicts=True,
            )
            self._load(still_missing)
        return self.ids

    def _load(self, pairs: list[tuple[str, str]]) -> None:
        wanted = set(pairs)
        for chunk in chunked(sorted({name for name, _ in pairs})):
            rows = Offering.objects.filter(name__in=chunk).order_by("pk")
            for pk, name, sku in rows.values_list("pk", "name", "sku"):
                self.ids[(name, sku)] = pk
                # A line that names a product without its code is that product, whatever
                # code another export gave it: one offering, not two.
                if (name, "") in wanted:
                    self.ids.setdefault((name, ""), pk)
