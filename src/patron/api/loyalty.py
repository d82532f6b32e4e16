"""Points and coupons for a till or a shop: a party's balance, grade and coupons; a sale
recorded with a coupon and points used, earning by the rules (as at the counter)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from patron.core.problems import Problem
from patron.loyalty import ledger
from patron.loyalty.counter import do_counter_sale
from patron.loyalty.coupons import usable_coupons
from patron.loyalty.grades import grade_of
from patron.parties.access import record_access
from patron.parties.models import AccessAction, Party

from .auth import need
from .problems import ERRORS, WRITE_ERRORS, invalid

router = Router(tags=["loyalty"])


class BalanceOut(Schema):
    party_id: int
    balance: int
    grade: str | None
    coupons: list[str]


class SaleIn(Schema):
    party_id: int
    amount: int = Field(gt=0, le=10**12)
    number: str = Field(min_length=1, max_length=40)
    use_points: int = Field(default=0, ge=0, le=10**12)
    coupon_code: str = Field(default="", max_length=60)


class SaleOut(Schema):
    order_id: int
    number: str
    coupon_off: int
    used: int
    earned: int
    earned_usable_on: dt.date | None
    balance: int


# Which input a refusal is about: by its code, else by its family.
_FIELD_OF = {
    "counter.bad_amount": "amount",
    "counter.too_many_points": "use_points",
    "counter.number_used": "number",
    "coupon": "coupon_code",
    "points": "use_points",
}


def _party(party_id: int) -> Party:
    party = get_object_or_404(Party, pk=party_id)
    while party.merged_into_id:
        party = party.merged_into
    return party


@router.get(
    "/parties/{party_id}/balance", response={200: BalanceOut, **ERRORS}, summary="A party's points"
)
def balance(request, party_id: int):
    """The usable points, the member grade (null when grades are off) and the coupons the
    party may use today."""
    need(request, "loyalty", "read")
    party = _party(party_id)
    record_access(request, AccessAction.VIEW, [party.pk], token=request.auth)
    grade = grade_of(party)
    return {
        "party_id": party.pk,
        "balance": ledger.balance_of(party.pk),
        "grade": grade.name if grade else None,
        "coupons": [c.code for c in usable_coupons(party.pk, timezone.localdate())],
    }


@router.post("/sales", response={201: SaleOut, **WRITE_ERRORS}, summary="Record a sale")
def record_sale(request, sale: SaleIn):
    """A sale of the business's own, as at the counter: the coupon comes off the amount,
    then the points used, then the sale earns on what was paid in money. `number` is the
    sale's own (a receipt number): the same number again is the same sale. Send an
    Idempotency-Key to retry safely."""
    need(request, "loyalty", "write")
    number = sale.number.strip()[:40]
    if not number:
        raise invalid("required", "body", "sale", "number")
    party = _party(sale.party_id)
    try:
        done = do_counter_sale(
            party,
            sale.amount,
            sale.use_points,
            number=f"api-{request.auth.pk}-{number}",  # each till's numbers are its own
            actor=None,
            coupon_code=sale.coupon_code,
        )
    except Problem as refused:
        field = _FIELD_OF.get(refused.code) or _FIELD_OF.get(refused.code.split(".")[0], "")
        raise invalid(str(refused), "body", "sale", field) from None
    return Status(
        201,
        {
            "order_id": done.order.pk,
            "number": number,
            "coupon_off": done.coupon_off,
            "used": done.used,
            "earned": done.earned,
            "earned_usable_on": done.earned_usable_on,
            "balance": done.balance,
        },
    )
