"""What an order earns, and what its cancellation or return takes back.

An order earns the programme's rate (or its category's or its offering kind's) of what was
paid for it, not of what was paid with points, rounded down to the won or to ten won, capped
per order and per 30 days; it becomes usable `pending_days` after the order (exports carry no
delivery time) and expires `lifetime_months` later. Only the business's own sales earn, from
the day the owner set: marketplaces' buyers earn the marketplace's points. A cancellation or
a return takes back the share of the earning the refund is of the amount, and gives back the
same share of the points the order spent; the keys are the refunded amount so far, so a file
read again takes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Sum
from django.utils import timezone

from patron.commerce.models import NOT_PURCHASED, Order

from . import ledger
from .coupons import give_back_undone, recognise_orders
from .grades import rate_of_grade, stamp_orders
from .models import MARKETPLACE_SOURCES, EntryKind, PointEntry, PointsProgram, PointsRate

SETTLE_BATCH = 1000


def program() -> PointsProgram:
    """The rules, read only: until the owner first saves them, the defaults (unsaved), so a
    page that shows them never writes (and reads on while the database is busy)."""
    row = PointsProgram.objects.filter(pk=1).first()
    return row or PointsProgram(pk=1, excluded_sources=list(MARKETPLACE_SOURCES))


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def earns(order: Order, rules: PointsProgram) -> bool:
    return (
        rules.enabled
        and rules.starts_on is not None
        and timezone.localdate(order.occurred_at) >= rules.starts_on
        and order.source not in (rules.excluded_sources or [])
        and order.status not in NOT_PURCHASED
    )


def _rates() -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    by_category, by_kind = {}, {}
    for rate in PointsRate.objects.all():
        if rate.category:
            by_category[rate.category] = rate.rate_percent
        elif rate.offering_kind:
            by_kind[rate.offering_kind] = rate.rate_percent
    return by_category, by_kind


def points_spent_on(order: Order) -> int:
    spent = PointEntry.objects.filter(order=order, kind=EntryKind.SPEND).aggregate(s=Sum("amount"))[
        "s"
    ]
    return spent or 0


def points_for(order: Order, rules: PointsProgram | None = None) -> int:
    """What the order earns by the rules (0 when it earns nothing)."""
    rules = rules or program()
    if not earns(order, rules):
        return 0
    paid = Decimal(order.amount) - Decimal(points_spent_on(order))
    if paid <= 0:
        return 0
    by_category, by_kind = _rates()
    # A grade's rate, where the order's grade gives one, instead of the programme's.
    base = _base_rate(order, rules)
    lines = list(order.lines.select_related("offering"))
    weights = [(Decimal(line.quantity) * Decimal(line.unit_price), line) for line in lines]
    total = sum((weight for weight, _line in weights), Decimal(0))
    if total <= 0:
        rate = base  # no line prices: the order's own rate
    else:
        rate = sum(
            (
                weight / total * _rate_of(line, base, by_category, by_kind)
                for weight, line in weights
            ),
            Decimal(0),
        )
    points = paid * rate / 100
    unit = Decimal(rules.rounding)
    points = int((points / unit).to_integral_value(rounding=ROUND_FLOOR) * unit)
    if rules.cap_per_order:
        points = min(points, rules.cap_per_order)
    return max(points, 0)


def _base_rate(order: Order, rules: PointsProgram) -> Decimal:
    grade_rate = rate_of_grade(order.member_grade)
    return rules.rate_percent if grade_rate is None else grade_rate


def _rate_of(line, base: Decimal, by_category, by_kind) -> Decimal:
    offering = line.offering
    if offering is not None:
        if offering.category and offering.category in by_category:
            return by_category[offering.category]
        if offering.kind in by_kind:
            return by_kind[offering.kind]
    return base


def _earned_lately(party_id: int, before: dt.datetime) -> int:
    since = before - dt.timedelta(days=30)
    earned = (
        PointEntry.objects.filter(
            party_id=party_id, kind=EntryKind.EARN, created_at__gte=since, order__isnull=False
        )
        .exclude(reason__has_key="moved")  # a merge's copy of an older earning
        .aggregate(s=Sum("amount"))["s"]
    )
    return earned or 0


def do_earn_for_order(order: Order, *, now: dt.datetime | None = None) -> PointEntry | None:
    """The order's earning (once: its key is the order), within the 30-day cap."""
    rules = program()
    points = points_for(order, rules)
    if rules.cap_per_30_days:
        points = min(
            points,
            max(rules.cap_per_30_days - _earned_lately(order.party_id, order.occurred_at), 0),
        )
    if points <= 0:
        return None
    available = order.occurred_at + dt.timedelta(days=rules.pending_days)
    return ledger.earn(
        order.party_id,
        points,
        key=f"order:{order.pk}:earn",
        reason={
            "code": "points.earn.order",
            "order": order.external_id,
            "rate": str(_base_rate(order, rules)),
        },
        available_at=available,
        expires_at=add_months(available, rules.lifetime_months),
        order_id=order.pk,
        now=now,
    )


def do_settle_refund(order: Order, *, now: dt.datetime | None = None) -> dict[str, int]:
    """After a cancellation or a return (the order's refunded amount, or its cancelled
    state): take back that share of what it earned, give back that share of what it spent.
    Keyed by the refunded amount: the same file read twice takes nothing twice; a later,
    larger refund takes the difference."""
    amount = Decimal(order.amount)
    if order.status in NOT_PURCHASED or amount <= 0:
        share, mark = Decimal(1), "all"
    else:
        share = min(Decimal(order.refunded_amount) / amount, Decimal(1))
        mark = str(order.refunded_amount)
    if share <= 0:
        return {}
    done: dict[str, int] = {}
    # The order's earning where its points are now (a merge moves them to a new lot).
    earnings = PointEntry.objects.filter(order=order, kind=EntryKind.EARN)
    earned = earnings.filter(party_id=order.party_id).order_by("-pk").first() or earnings.first()
    if earned is not None:
        target = int((Decimal(earned.amount) * share).to_integral_value(rounding=ROUND_FLOOR))
        already = ledger.claimed(earned, EntryKind.REVOKE)
        # A take-back's amount is its whole claim (what was taken and what had been spent).
        if target - already > 0:
            taken = ledger.revoke(
                earned,
                target - already,
                key=f"order:{order.pk}:revoke:{mark}",
                reason={"code": "points.revoke.order", "order": order.external_id},
                now=now,
            )
            done["taken_back"] = -taken.delta if taken else 0
    for spent in PointEntry.objects.filter(order=order, kind=EntryKind.SPEND):
        target = int((Decimal(spent.amount) * share).to_integral_value(rounding=ROUND_FLOOR))
        already = ledger.claimed(spent, EntryKind.REFUND)
        if target - already > 0:
            back = ledger.refund(
                spent,
                target - already,
                key=f"order:{order.pk}:refund:{spent.pk}:{mark}",
                reason={"code": "points.refund.order", "order": order.external_id},
                to_party_id=order.party_id,
                now=now,
            )
            done["given_back"] = done.get("given_back", 0) + (back.amount if back else 0)
    return done


def settle_undone_orders(sender=None, ids=(), **_rest) -> None:
    """Orders an undone import removes: take back all they earned, give back all they used
    (in the transaction that removes them)."""
    ids, now = list(ids), timezone.now()
    give_back_undone(ids)
    entries = PointEntry.objects.filter(
        order_id__in=ids, kind__in=(EntryKind.EARN, EntryKind.SPEND)
    ).select_related("order")
    for entry in entries.order_by("pk"):
        if entry.kind == EntryKind.EARN:
            if entry.order is not None and entry.party_id != entry.order.party_id:
                continue  # moved by a merge: its points are in the survivor's lot, taken there
            ledger.revoke(
                entry,
                entry.amount,
                key=f"order:{entry.order_id}:undo:{entry.pk}",
                reason={"code": "points.revoke.undone", "order": entry.order_id},
                now=now,
            )
        else:
            ledger.refund(
                entry,
                entry.amount,
                key=f"order:{entry.order_id}:undo:{entry.pk}:back",
                to_party_id=entry.order.party_id if entry.order is not None else None,
                reason={"code": "points.refund.undone", "order": entry.order_id},
                now=now,
            )


def move_points_on_merge(sender=None, merge=None, **_rest) -> None:
    """The merged party's points go to the survivor, each lot as it was."""
    ledger.transfer(
        merge.merged_id,
        merge.survivor_id,
        key=f"merge:{merge.pk}",
        reason={"code": "points.moved", "name": merge.survivor.display_name},
    )


def move_points_back(sender=None, merge=None, **_rest) -> None:
    """An undone merge: what the merge brought, and is still held, goes back."""
    ledger.transfer(
        merge.survivor_id,
        merge.merged_id,
        key=f"unmerge:{merge.pk}",
        reason={"code": "points.moved", "name": merge.merged.display_name},
        lot_keys=f"merge:{merge.pk}:in:",
    )


def settle_orders(order_ids) -> dict[str, int]:
    """What an import's orders earn, and what their cancellations and returns take back:
    run after an import (jobs.refresh_parties). Nothing when points are off."""
    order_ids = list(order_ids)
    for start in range(0, len(order_ids), SETTLE_BATCH):  # bounded IN lists
        chunk = order_ids[start : start + SETTLE_BATCH]
        stamp_orders(chunk)  # first: an order earns by the grade it came in with
        recognise_orders(chunk)
    rules = program()
    counts = {"earned": 0, "settled": 0}
    if not rules.enabled:
        return counts
    for pk in order_ids:
        order = Order.objects.filter(pk=pk).first()
        if order is None:
            continue
        if earns(order, rules) and do_earn_for_order(order):
            counts["earned"] += 1
        undone = order.status in NOT_PURCHASED or order.refunded_amount
        if undone and do_settle_refund(order):
            counts["settled"] += 1
    return counts
