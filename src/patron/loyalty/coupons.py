"""Coupons: an offer given to a party, a segment, a campaign's recipients or anyone with the
code; used at the counter, or recognised in an imported order's coupon column.

A use at the counter is checked (its days, the minimum order, whose it is, how often it was
used) and counted with conditional UPDATEs: the party's uses below ``uses_per_party``, the
coupon's below ``total_uses`` (and a CHECK), so two taps at once cannot use a single-use
coupon twice. A use seen in an imported order already happened in the shop: it is recorded
as it was, counted, never refused. Each use has a key (the sale's number, the order), so a
replay records nothing twice; a cancelled order gives its use back.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from patron.commerce.models import NOT_PURCHASED, Order
from patron.core.bulk import insert_rows
from patron.core.problems import Problem
from patron.outreach.models import OutboxMessage, OutboxStatus, Segment
from patron.outreach.segments import segment_parties
from patron.parties.activity import record_activity
from patron.parties.models import Party

from .models import Coupon, CouponGrant, CouponKind, CouponRedemption

CODE = re.compile(r"^[0-9A-Z가-힣_-]{3,40}$")
# A message that went out, or will: a campaign's coupon is theirs (not the holdout's, not
# those it skipped or could not reach).
_REACHED = (
    OutboxStatus.QUEUED,
    OutboxStatus.SENDING,
    OutboxStatus.SENT,
    OutboxStatus.DELIVERED,
    OutboxStatus.DEMO,
)
ISSUE_BATCH = 1000
EDITABLE = [
    "name",
    "code",
    "kind",
    "value",
    "max_discount",
    "min_order",
    "starts_on",
    "expires_on",
    "uses_per_party",
    "total_uses",
    "for_anyone",
    "campaign",
]


class CouponRefused(Problem):
    """A coupon that cannot be used or made so: which and why."""


def normal_code(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()


def check_code(text: str) -> str:
    code = normal_code(text)
    if not CODE.match(code):
        raise CouponRefused("coupon.bad_code", coupon=code[:40])
    return code


def find_coupon(text: str) -> Coupon:
    coupon = Coupon.objects.filter(code=normal_code(text)).first()
    if coupon is None:
        raise CouponRefused("coupon.not_found", coupon=normal_code(text)[:40])
    return coupon


def discount_for(coupon: Coupon, amount: Decimal) -> Decimal:
    """What the coupon takes off an order of `amount` (never more than the order)."""
    amount = Decimal(amount)
    if coupon.kind == CouponKind.PERCENT:
        off = (amount * coupon.value / 100).to_integral_value(rounding=ROUND_FLOOR)
        if coupon.max_discount is not None:
            off = min(off, coupon.max_discount)
    else:
        off = coupon.value
    return max(min(off, amount), Decimal(0))


def is_theirs(coupon: Coupon, party_id: int) -> bool:
    if coupon.for_anyone:
        return True
    if CouponGrant.objects.filter(coupon=coupon, party_id=party_id, granted=True).exists():
        return True
    return bool(
        coupon.campaign_id
        and OutboxMessage.objects.filter(
            campaign_id=coupon.campaign_id, party_id=party_id, status__in=_REACHED
        ).exists()
    )


def check_usable(coupon: Coupon, party_id: int, amount: Decimal, day: dt.date) -> Decimal:
    """The discount, or CouponRefused saying why the coupon cannot be used on this order."""
    if coupon.starts_on and day < coupon.starts_on:
        raise CouponRefused(
            "coupon.not_started", coupon=coupon.code, day=coupon.starts_on.isoformat()
        )
    if day > coupon.expires_on:
        raise CouponRefused("coupon.expired", coupon=coupon.code, day=coupon.expires_on.isoformat())
    if Decimal(amount) < coupon.min_order:
        raise CouponRefused("coupon.min_order", coupon=coupon.code, least=int(coupon.min_order))
    if not is_theirs(coupon, party_id):
        raise CouponRefused("coupon.not_theirs", coupon=coupon.code)
    uses = (
        CouponGrant.objects.filter(coupon=coupon, party_id=party_id)
        .values_list("uses", flat=True)
        .first()
    )
    if (uses or 0) >= coupon.uses_per_party:
        raise CouponRefused("coupon.used_by_party", coupon=coupon.code, uses=coupon.uses_per_party)
    if coupon.total_uses is not None and coupon.used >= coupon.total_uses:
        raise CouponRefused("coupon.used_up", coupon=coupon.code)
    return discount_for(coupon, amount)


def redeem(
    coupon: Coupon,
    party_id: int,
    *,
    discount: Decimal,
    paid: Decimal,
    key: str,
    source: str,
    order_id: int | None = None,
    actor=None,
    checked: bool = True,
    now: dt.datetime | None = None,
) -> CouponRedemption:
    """Record a use (once per key). ``checked``: counted within the limits, refused past
    them (the counter); otherwise counted as it happened (an imported order)."""
    now = now or timezone.now()
    earlier = CouponRedemption.objects.filter(key=key).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            counted = _count_use(coupon, party_id, checked)
            return CouponRedemption.objects.create(
                counted=counted,
                coupon=coupon,
                party_id=party_id,
                order_id=order_id,
                discount=discount,
                order_amount=paid,
                source=source,
                key=key,
                redeemed_at=now,
                actor=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        earlier = CouponRedemption.objects.filter(key=key).first()
        if earlier is None:
            raise
        return earlier


def _count_use(coupon: Coupon, party_id: int, checked: bool) -> bool:
    """Count a use (the party's, the coupon's); whether the coupon's count took it (an
    unchecked use past the total is recorded without being counted)."""
    grant, _created = CouponGrant.objects.get_or_create(
        coupon=coupon, party_id=party_id, defaults={"granted": False}
    )
    mine = CouponGrant.objects.filter(pk=grant.pk)
    if checked:
        mine = mine.filter(uses__lt=coupon.uses_per_party)
    if not mine.update(uses=F("uses") + 1) and checked:
        raise CouponRefused("coupon.used_by_party", coupon=coupon.code, uses=coupon.uses_per_party)
    within = Coupon.objects.filter(pk=coupon.pk).filter(
        Q(total_uses__isnull=True) | Q(used__lt=F("total_uses"))
    )
    counted = bool(within.update(used=F("used") + 1))
    if not counted and checked:
        raise CouponRefused("coupon.used_up", coupon=coupon.code)
    return counted


def give_back(redemption: CouponRedemption, *, now: dt.datetime | None = None) -> bool:
    """Its order was cancelled or undone: the use is given back (once)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = CouponRedemption.objects.filter(pk=redemption.pk, undone_at__isnull=True).update(
            undone_at=now
        )
        if not claimed:
            return False
        CouponGrant.objects.filter(
            coupon_id=redemption.coupon_id, party_id=redemption.party_id, uses__gt=0
        ).update(uses=F("uses") - 1)
        if redemption.counted:
            Coupon.objects.filter(pk=redemption.coupon_id, used__gt=0).update(used=F("used") - 1)
    return True


def recognise_orders(order_ids) -> dict[str, int]:
    """Imported orders that name a coupon in their coupon column: each use recorded once;
    a cancelled order's use given back. Codes Patron does not know are left alone."""
    counts = {"recognised": 0, "given_back": 0}
    if not Coupon.objects.exists():
        return counts
    orders = Order.objects.filter(pk__in=list(order_ids)).exclude(discount_code="")
    wanted = {
        order.pk: [normal_code(part) for part in re.split(r"[,;/|]", order.discount_code)]
        for order in orders.only("pk", "discount_code")
    }
    codes = {code for parts in wanted.values() for code in parts if code}
    known = {coupon.code: coupon for coupon in Coupon.objects.filter(code__in=codes)}
    if not known:
        return counts
    for order in orders.filter(pk__in=list(wanted)):
        for code in wanted[order.pk]:
            coupon = known.get(code)
            if coupon is None:
                continue
            key = f"order:{order.pk}:{coupon.pk}"
            if order.status in NOT_PURCHASED:
                used = CouponRedemption.objects.filter(key=key).first()
                counts["given_back"] += bool(used and give_back(used))
                continue
            off = order.discount_amount or discount_for(coupon, order.amount)
            redeem(
                coupon,
                order.party_id,
                discount=off,
                paid=order.amount,
                key=key,
                source="import",
                order_id=order.pk,
                checked=False,
                now=order.occurred_at,
            )
            counts["recognised"] += 1
    return counts


def give_back_undone(order_ids) -> int:
    """Orders an undone import removes: their uses given back."""
    undone = CouponRedemption.objects.filter(order_id__in=list(order_ids), undone_at__isnull=True)
    return sum(give_back(redemption) for redemption in undone)


def do_issue_to_party(coupon: Coupon, party: Party, *, actor) -> bool:
    grant, created = CouponGrant.objects.get_or_create(coupon=coupon, party=party)
    if not created and not grant.granted:
        created = bool(CouponGrant.objects.filter(pk=grant.pk).update(granted=True))
    if created:
        record_activity(party, "loyalty.coupon_issued", actor=actor, data={"coupon": coupon.code})
    return created


def do_issue_to_segment(coupon: Coupon, segment: Segment) -> int:
    """Give the coupon to everyone in the segment now, a thousand at a time; those who hold
    it already are left as they are. The number newly given."""
    ids = list(segment_parties(segment.filters).values_list("pk", flat=True).order_by("pk"))
    issued = 0
    now = timezone.now()
    for start in range(0, len(ids), ISSUE_BATCH):
        chunk = ids[start : start + ISSUE_BATCH]
        with transaction.atomic():
            held = set(
                CouponGrant.objects.filter(coupon=coupon, party_id__in=chunk).values_list(
                    "party_id", flat=True
                )
            )
            CouponGrant.objects.filter(coupon=coupon, party_id__in=chunk, granted=False).update(
                granted=True
            )
            fresh = [pk for pk in chunk if pk not in held]
            insert_rows(  # one given meanwhile from a party's page is kept as it is
                CouponGrant,
                ["coupon_id", "party_id", "granted", "uses", "issued_at"],
                [(coupon.pk, pk, True, 0, now) for pk in fresh],
                ignore_conflicts=True,
            )
            issued += len(fresh)
    return issued


def usable_coupons(party_id: int, day: dt.date) -> list[Coupon]:
    """The coupons this party may use today (given to it, to anyone, or by a campaign it
    received), with uses left: one query."""
    mine = CouponGrant.objects.filter(coupon=OuterRef("pk"), party_id=party_id)
    reached = OutboxMessage.objects.filter(
        campaign_id=OuterRef("campaign_id"), party_id=party_id, status__in=_REACHED
    )
    uses = Subquery(mine.values("uses")[:1])
    found = (
        Coupon.objects.filter(expires_on__gte=day)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day))
        .filter(Q(total_uses__isnull=True) | Q(used__lt=F("total_uses")))
        .filter(
            Q(for_anyone=True)
            | Exists(mine.filter(granted=True))
            | Q(campaign__isnull=False, pk__in=Coupon.objects.filter(Exists(reached)).values("pk"))
        )
        .annotate(party_uses=Coalesce(uses, 0))
        .filter(party_uses__lt=F("uses_per_party"))
    )
    return list(found.order_by("expires_on", "pk")[:20])


def coupon_results(coupon: Coupon) -> dict[str, int]:
    """Given to, used by, uses, what they took off, and what those orders paid."""
    kept = CouponRedemption.objects.filter(coupon=coupon, undone_at__isnull=True)
    totals = kept.aggregate(
        uses=Count("pk"),
        parties=Count("party_id", distinct=True),
        discount=Sum("discount"),
        paid=Sum("order_amount"),
    )
    given = CouponGrant.objects.filter(coupon=coupon, granted=True).count()
    if coupon.campaign_id:  # those the campaign reached hold it too
        given += (
            OutboxMessage.objects.filter(campaign_id=coupon.campaign_id, status__in=_REACHED)
            .values("party_id")
            .distinct()
            .count()
        )
    return {
        "given": given,
        "uses": totals["uses"] or 0,
        "parties": totals["parties"] or 0,
        "discount": int(totals["discount"] or 0),
        "paid": int(totals["paid"] or 0),
    }


def do_save_coupon(coupon: Coupon, *, actor=None) -> Coupon:
    """A coupon made or changed, checked as a whole: its code, its value, its days."""
    coupon.code = check_code(coupon.code)
    if coupon.value is None or coupon.value <= 0:
        raise CouponRefused("coupon.bad_value")
    if coupon.kind == CouponKind.PERCENT and coupon.value > 100:
        raise CouponRefused("coupon.bad_value")
    if coupon.starts_on and coupon.expires_on < coupon.starts_on:
        raise CouponRefused("coupon.bad_days")
    taken = Coupon.objects.filter(code=coupon.code).exclude(pk=coupon.pk).exists()
    if taken:
        raise CouponRefused("coupon.code_taken", coupon=coupon.code)
    if coupon.pk is None:
        if actor is not None and actor.is_authenticated:
            coupon.created_by = actor
        coupon.save()
        return coupon
    with transaction.atomic():
        # Its uses are counted by the tills meanwhile: never written from a stale form.
        used = Coupon.objects.select_for_update().values_list("used", flat=True).get(pk=coupon.pk)
        if coupon.total_uses is not None and coupon.total_uses < used:
            raise CouponRefused("coupon.below_used", coupon=coupon.code, used=used)
        coupon.used = used
        coupon.save(update_fields=EDITABLE)
    return coupon
