"""At the counter: find a party by phone, earn points for a sale, use points on it.

A counter sale is an order of the business's own ("counter" source): it earns by the
programme's rules on what was paid in money; points used on it are drawn first, within the
programme's minimum balance and maximum share of a sale. The sale's number is the
idempotency key of everything it writes, so the same tap twice records one sale.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.commerce.models import Order, OrderLine
from patron.core.problems import Problem
from patron.parties.activity import record_activity
from patron.parties.models import ContactPoint, Party
from patron.parties.normalize import normalize_phone

from . import ledger
from .coupons import check_usable, find_coupon, redeem
from .grades import stamp_orders
from .models import EntryKind, PointEntry
from .program import do_earn_for_order, program

SOURCE = "counter"


def new_sale_number(now: dt.datetime | None = None) -> str:
    """A sale's number as a receipt shows it: its day and ten random digits (two tills
    picking the same number, at a thousand sales a day: about once in fifty years)."""
    day = timezone.localdate(now or timezone.now())
    return f"{day:%y%m%d}-{secrets.randbelow(10**10):010d}"


class CounterRefused(Problem):
    """A counter sale that cannot be recorded so."""


def find_by_phone(text: str) -> list[Party]:
    """Parties seen with this number (any number they ever gave), merged ones as the party
    they became."""
    phone = normalize_phone(text, settings.PATRON_DEFAULT_REGION)
    if not phone:
        raise CounterRefused("counter.bad_phone")
    found: dict[int, Party] = {}
    points = ContactPoint.objects.filter(kind="phone", value=phone).select_related("party")
    for point in points:
        party = point.party
        while party.merged_into_id:
            party = party.merged_into
        found[party.pk] = party
    for party in Party.objects.filter(phone=phone, merged_into__isnull=True):
        found[party.pk] = party
    return sorted(found.values(), key=lambda p: p.pk)


@dataclass(frozen=True)
class Sale:
    order: Order
    used: int
    earned: int
    earned_usable_on: dt.date | None
    balance: int
    coupon_off: int = 0


def usable_on_sale(party: Party, amount: int) -> int:
    """The most points this sale may take: none below the minimum balance, at most the
    programme's share of the sale."""
    rules = program()
    balance = ledger.balance_of(party.pk)
    if balance < rules.min_balance_to_use:
        return 0
    return min(balance, amount * rules.max_share_percent // 100)


def do_counter_sale(
    party: Party,
    amount: int,
    use_points: int,
    *,
    number: str,
    actor,
    coupon_code: str = "",
    now=None,
) -> Sale:
    """Record a sale at the counter (once per `number`): the coupon taken off its price,
    points used on the rest, then points earned on what was paid in money."""
    now = now or timezone.now()
    external_id = number[:128]  # the order's number, beside its source "counter"
    recorded = Order.objects.filter(source=SOURCE, external_id=external_id).first()
    if recorded is not None:  # the same tap again: the sale as it was recorded
        if recorded.party_id != party.pk:
            raise CounterRefused("counter.number_used")
        return _as_recorded(recorded)
    if amount <= 0:
        raise CounterRefused("counter.bad_amount")
    coupon = find_coupon(coupon_code) if coupon_code.strip() else None
    off = (
        check_usable(coupon, party.pk, Decimal(amount), timezone.localdate(now))
        if coupon
        else Decimal(0)
    )
    paid = amount - int(off)
    if use_points < 0 or use_points > usable_on_sale(party, paid):
        raise CounterRefused(
            "counter.too_many_points", asked=use_points, most=usable_on_sale(party, paid)
        )
    with transaction.atomic():
        order, created = Order.objects.get_or_create(
            source=SOURCE,
            external_id=external_id,
            defaults={
                "party": party,
                "occurred_at": now,
                "currency": settings.PATRON_DEFAULT_CURRENCY,
                "amount": Decimal(paid),
                "discount_amount": off,
                "discount_code": coupon.code if coupon else "",
                "row_digest": "counter",
            },
        )
        if created:
            OrderLine.objects.create(order=order, line_no=1, name=_line_name(), unit_price=amount)
        if order.party_id != party.pk:
            raise CounterRefused("counter.number_used")
        if created:
            stamp_orders([order.pk])
            order.refresh_from_db(fields=["member_grade"])
        if coupon is not None:
            redeem(
                coupon,
                party.pk,
                discount=off,
                paid=Decimal(paid),
                key=f"{SOURCE}:{number}:coupon",
                source=SOURCE,
                order_id=order.pk,
                actor=actor,
                now=now,
            )
        if use_points:
            ledger.spend(
                party.pk,
                use_points,
                key=f"{SOURCE}:{number}:use",
                reason={"code": "points.counter_use", "order": external_id},
                order_id=order.pk,
                actor=actor,
                now=now,
            )
        lot = do_earn_for_order(order, now=now)
        if created:
            record_activity(
                party,
                "points.counter_sale",
                actor=actor,
                data={
                    "amount": amount,
                    "used": use_points,
                    "earned": lot.amount if lot else 0,
                    "coupon": coupon.code if coupon else "",
                    "off": int(off),
                },
                at=now,
            )
    return Sale(
        order,
        use_points,
        lot.amount if lot else 0,
        timezone.localdate(lot.available_at) if lot else None,
        ledger.balance_of(party.pk),
        int(off),
    )


def _line_name() -> str:
    """What the sale's line is called in its history: in the business's language, as a
    product's name is, since it is kept as the order's data."""
    with translation.override(settings.PATRON_MESSAGE_LANGUAGE):
        return _("A sale at the counter")


def _as_recorded(order: Order) -> Sale:
    entries = PointEntry.objects.filter(order=order)
    used = sum(e.amount for e in entries if e.kind == EntryKind.SPEND)
    lot = next((e for e in entries if e.kind == EntryKind.EARN), None)
    return Sale(
        order,
        used,
        lot.amount if lot else 0,
        timezone.localdate(lot.available_at) if lot else None,
        ledger.balance_of(order.party_id),
        int(order.discount_amount),
    )
