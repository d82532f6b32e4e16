"""Points not earned by a purchase: the birthday bonus and the referral bonus.

Birthday: on the day (the 28th of February for the 29th in other years), to each party
that bought from the business itself in the last 12 months, usable at once, once a year.
Referral: a party says who brought them (never themselves: not the same record, phone or
email); the referrer earns the bonus once the referred party's first purchase has passed
its pending days uncancelled; someone who had bought before is no one's referral. Both
keyed (year, referral), so the daily plan run twice gives nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from patron.commerce.models import NOT_PURCHASED, Order
from patron.core.problems import Problem
from patron.outreach.daily import on_this_day
from patron.parties.activity import record_activity
from patron.parties.models import ContactPoint, Party
from patron.parties.queries import live_parties

from . import ledger
from .models import PointEntry, Referral
from .program import add_months, program

NEW_CUSTOMER_GRACE = dt.timedelta(days=1)  # a referral recorded the day of the first sale


class ReferralRefused(Problem):
    """A referral that cannot be recorded so."""


def do_birthday_bonuses(day: dt.date, *, now: dt.datetime | None = None) -> dict[str, int]:
    rules = program()
    if not (rules.enabled and rules.birthday_bonus and rules.starts_on):
        return {}
    now = now or timezone.now()
    since = now - dt.timedelta(days=365)
    own_purchase = (
        Order.objects.filter(
            party=OuterRef("pk"),
            occurred_at__gte=max(since, _moment(rules.starts_on)),
        )
        .exclude(status__in=NOT_PURCHASED)
        .exclude(source__in=rules.excluded_sources or [])
    )
    counts: dict[str, int] = defaultdict(int)
    born = live_parties().filter(on_this_day("birthday", day)).filter(Exists(own_purchase))
    for party_id in born.values_list("pk", flat=True).order_by("pk"):
        key = f"birthday:{party_id}:{day.year}"
        if PointEntry.objects.filter(idempotency_key=key).exists():
            counts["given_already"] += 1
            continue
        ledger.earn(
            party_id,
            rules.birthday_bonus,
            key=key,
            reason={"code": "points.earn.birthday", "year": day.year},
            available_at=now,
            expires_at=add_months(now, rules.lifetime_months),
            now=now,
        )
        counts["given"] += 1
    return dict(counts)


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def _addresses(party: Party) -> set[tuple[str, str]]:
    found = {("email", party.email.lower()), ("phone", party.phone)} - {
        ("email", ""),
        ("phone", ""),
    }
    points = ContactPoint.objects.filter(party=party, kind__in=("email", "phone"))
    found |= {(kind, value.lower()) for kind, value in points.values_list("kind", "value")}
    return found


def do_record_referral(referred: Party, referrer: Party, *, actor=None) -> Referral:
    if referred.pk == referrer.pk or _addresses(referred) & _addresses(referrer):
        raise ReferralRefused("referral.same_person")
    if Referral.objects.filter(referred=referred).exists():
        raise ReferralRefused("referral.already")
    bought_before = Order.objects.filter(
        party=referred, occurred_at__lt=timezone.now() - NEW_CUSTOMER_GRACE
    ).exclude(status__in=NOT_PURCHASED)
    if bought_before.exists():
        raise ReferralRefused("referral.not_new")
    try:
        with transaction.atomic():
            referral = _record(referred, referrer, actor)
    except IntegrityError as exc:  # the same form sent twice at once
        raise ReferralRefused("referral.already") from exc
    return referral


def _record(referred: Party, referrer: Party, actor) -> Referral:
    referral = Referral.objects.create(referred=referred, referrer=referrer, actor=actor)
    data = {"referrer": referrer.display_name, "referred": referred.display_name}
    record_activity(referred, "loyalty.referred_by", actor=actor, data=data)
    record_activity(referrer, "loyalty.referred", actor=actor, data=data)
    return referral


def _in_pages(referrals, size: int = 500):
    """All of them, a page at a time by id (no cursor held open while the ledger writes)."""
    last = 0
    while True:
        page = list(referrals.filter(pk__gt=last).order_by("pk")[:size])
        if not page:
            return
        yield from page
        last = page[-1].pk


def settle_referrals(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Referrals whose referred party's first purchase has passed its pending days: the
    referrer earns the bonus (once per referral)."""
    rules = program()
    if not (rules.enabled and rules.referral_bonus):
        return {}
    now = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    waiting = Referral.objects.filter(rewarded__isnull=True).select_related("referred")
    for referral in _in_pages(waiting):
        first = (
            Order.objects.filter(
                party_id=referral.referred_id,
                occurred_at__gte=referral.recorded_at - NEW_CUSTOMER_GRACE,
            )
            .exclude(status__in=NOT_PURCHASED)
            .order_by("occurred_at", "pk")
            .first()
        )
        settled = (
            first is not None and first.occurred_at + dt.timedelta(days=rules.pending_days) <= now
        )
        if not settled or first.refunded_amount >= first.amount:
            counts["waiting"] += 1
            continue
        entry = ledger.earn(
            referral.referrer_id,
            rules.referral_bonus,
            key=f"referral:{referral.pk}",
            reason={"code": "points.earn.referral", "name": referral.referred.display_name},
            available_at=now,
            expires_at=add_months(now, rules.lifetime_months),
            now=now,
        )
        Referral.objects.filter(pk=referral.pk, rewarded__isnull=True).update(rewarded=entry)
        counts["rewarded"] += 1
    return dict(counts)
