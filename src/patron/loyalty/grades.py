"""Member grades (회원등급): what a party paid in the last 12 months gives its grade.

The amount is what was paid and kept: purchased orders less what was refunded and what was
paid with points, and services that took place. Shipping is never in it (the importer reads
an order's amount apart from its shipping fee) and coupons neither (an order's amount is what
was paid after them). Grades are computed on the 1st of each month for the 12 months before,
once per party and month (``Membership.computed_for``), so a computation interrupted and run
again lowers nobody twice; a grade may only go down as the owner's policy says. A grade set
by a person holds until its end date, then the earned one applies again. Each order keeps
the grade its party held when it came in; each change is on the timeline and told to the
party as a service message when the owner wants it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.commerce.models import NOT_PURCHASED, Engagement, EngagementStatus, Order
from patron.core.business import business
from patron.core.formats import korean_particles, money
from patron.core.problems import Problem
from patron.outreach import rules
from patron.outreach.channels.status import channel_states
from patron.parties.activity import activity_row, record_activities
from patron.parties.models import Party

from .models import (
    DowngradePolicy,
    EntryKind,
    GradeChange,
    GradeProgram,
    MemberGrade,
    Membership,
    PointEntry,
)
from .notices import reachable_channel, tell

WINDOW_MONTHS = 12
BATCH = 500
LONGEST_BY_HAND = dt.timedelta(days=3 * 366)


class GradeRefused(Problem):
    """A grade that cannot be set so."""


def grade_program() -> GradeProgram:
    """The grade rules, read only (unsaved defaults until the owner saves them)."""
    return GradeProgram.objects.filter(pk=1).first() or GradeProgram(pk=1)


def all_grades() -> list[MemberGrade]:
    return list(MemberGrade.objects.order_by("threshold"))


def entry_grade(grades: list[MemberGrade]) -> MemberGrade | None:
    """Where everyone starts: the lowest grade, when it asks for nothing."""
    return grades[0] if grades and grades[0].threshold <= 0 else None


def grade_of(party: Party | int) -> MemberGrade | None:
    """The party's grade now (None when grades are off or it has none)."""
    if not grade_program().enabled:
        return None
    party_id = party if isinstance(party, int) else party.pk
    held = Membership.objects.filter(party_id=party_id).select_related("grade").first()
    if held is not None:
        return held.grade
    return entry_grade(all_grades())


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=rules.KOREA)


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def paid_amounts(month: dt.date, party_ids: list[int] | None = None) -> dict[int, Decimal]:
    """What each party paid in the 12 months before `month` (a month's 1st), by the rules
    above: one GROUP BY per source of money."""
    begin, end = _moment(_months_before(month, WINDOW_MONTHS)), _moment(month)
    orders = Order.objects.filter(occurred_at__gte=begin, occurred_at__lt=end).exclude(
        status__in=NOT_PURCHASED
    )
    spent = PointEntry.objects.filter(
        kind=EntryKind.SPEND, order__occurred_at__gte=begin, order__occurred_at__lt=end
    )
    given_back = PointEntry.objects.filter(
        kind=EntryKind.REFUND,
        of_entry__order__occurred_at__gte=begin,
        of_entry__order__occurred_at__lt=end,
    )
    served = Engagement.objects.filter(
        started_at__gte=begin,
        started_at__lt=end,
        status=EngagementStatus.DONE,
        amount__isnull=False,
    )
    if party_ids is not None:
        orders, spent, given_back, served = (
            rows.filter(party_id__in=party_ids) for rows in (orders, spent, given_back, served)
        )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for sign, rows, paid in (
        (1, orders, F("amount") - F("refunded_amount")),
        (-1, spent, F("amount")),
        (1, given_back, F("amount")),
        (1, served, F("amount")),
    ):
        for party_id, total in (
            rows.values("party_id").annotate(t=Sum(paid)).values_list("party_id", "t")
        ):
            totals[party_id] += sign * Decimal(total or 0)
    return {party_id: max(total, Decimal(0)) for party_id, total in totals.items()}


def grade_for(amount: Decimal, grades: list[MemberGrade]) -> MemberGrade | None:
    """The highest grade the amount reaches."""
    reached = [grade for grade in grades if grade.threshold <= amount]
    return reached[-1] if reached else None


def after_policy(
    current: MemberGrade | None,
    target: MemberGrade | None,
    grades: list[MemberGrade],
    policy: str,
) -> MemberGrade | None:
    """The grade a party gets: up to the target at once; down as the policy allows."""
    rank = {grade.pk: i for i, grade in enumerate(grades)}

    def rank_of(grade: MemberGrade | None) -> int:
        return -1 if grade is None else rank.get(grade.pk, -1)

    if rank_of(target) >= rank_of(current) or policy == DowngradePolicy.RECOMPUTE:
        return target
    if policy == DowngradePolicy.NONE:
        return current
    step = max(rank_of(current) - 1, rank_of(target))
    return grades[step] if step >= 0 else None


def _same(a: MemberGrade | None, b: MemberGrade | None) -> bool:
    return (a.pk if a else None) == (b.pk if b else None)


def do_recompute_grades(day: dt.date, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The month's grades (the month of `day`), for every party not yet computed for it, in
    batches of BATCH parties, each its own transaction."""
    now = now or timezone.now()
    program = grade_program()
    grades = all_grades()
    counts: dict[str, int] = defaultdict(int)
    if not program.enabled or not grades:
        return {}
    month = day.replace(day=1)
    amounts = paid_amounts(month)
    done = set(Membership.objects.filter(computed_for=month).values_list("party_id", flat=True))
    held = set(Membership.objects.values_list("party_id", flat=True))
    waiting = sorted((set(amounts) | held) - done)
    # The first computation after grades are turned on gives everyone their grade at once:
    # nobody is told (thousands of messages at once); the owner announces the programme.
    first_ever = not Membership.objects.filter(computed_for__lt=month).exists()
    GradeProgram.objects.filter(pk=1, started_on__isnull=True).update(started_on=month)
    states = channel_states()
    for start in range(0, len(waiting), BATCH):
        chunk = waiting[start : start + BATCH]
        live = set(
            Party.objects.filter(pk__in=chunk, merged_into__isnull=True).values_list(
                "pk", flat=True
            )
        )
        with transaction.atomic():
            changes = _compute_batch(
                [pk for pk in chunk if pk in live], month, day, amounts, grades, program, now
            )
        counts["computed"] += len(live)
        counts["changed"] += len(changes)
        if program.tell_party and not first_ever:
            for change in changes:
                counts[tell_change(change, states=states)] += 1
    return dict(counts)


def _compute_batch(chunk, month, day, amounts, grades, program, now) -> list[GradeChange]:
    start = entry_grade(grades)
    by_pk = {grade.pk: grade for grade in grades}
    held = {
        m.party_id: m for m in Membership.objects.select_for_update().filter(party_id__in=chunk)
    }
    fresh, kept, changes = [], [], []
    for party_id in chunk:
        membership = held.get(party_id)
        if membership is None:
            membership = Membership(party_id=party_id, grade=start, earned=start)
            fresh.append(membership)
        elif membership.computed_for == month:
            continue  # a twin computation got here first
        else:
            kept.append(membership)
        current_earned = by_pk.get(membership.earned_id)
        amount = amounts.get(party_id, Decimal(0))
        earned = after_policy(current_earned, grade_for(amount, grades), grades, program.downgrade)
        by_hand = membership.set_until is not None and membership.set_until >= day
        old = by_pk.get(membership.grade_id)
        new = old if by_hand else earned
        membership.earned, membership.amount_12m, membership.computed_for = earned, amount, month
        if not by_hand:
            membership.set_until, membership.set_by = None, None
        if not _same(old, new):
            membership.grade, membership.changed_at = new, now
            changes.append(
                GradeChange(
                    party_id=party_id,
                    old=old,
                    new=new,
                    cause=GradeChange.Cause.MONTHLY,
                    amount_12m=amount,
                    at=now,
                )
            )
    Membership.objects.bulk_create(fresh)
    Membership.objects.bulk_update(
        kept,
        ["grade", "earned", "amount_12m", "computed_for", "set_by", "set_until", "changed_at"],
        batch_size=BATCH,
    )
    GradeChange.objects.bulk_create(changes)
    record_activities(_activity(change) for change in changes)
    return changes


def _activity(change: GradeChange):
    return activity_row(
        change.party_id,
        "loyalty.grade_changed",
        actor=change.actor,
        data={
            "old": change.old.name if change.old else "",
            "new": change.new.name if change.new else "",
            "cause": change.cause,
            "amount": int(change.amount_12m),
        },
        at=change.at,
    )


def do_set_grade(
    party: Party, grade: MemberGrade, until: dt.date, *, actor, now: dt.datetime | None = None
) -> GradeChange | None:
    """A grade a person gives, until a day (then the earned grade applies again)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if until < today:
        raise GradeRefused("grade.until_past")
    if until - today > LONGEST_BY_HAND:
        raise GradeRefused("grade.until_far", years=3)
    with transaction.atomic():
        membership, _created = Membership.objects.select_for_update().get_or_create(
            party=party,
            defaults={"grade": entry_grade(all_grades()), "earned": entry_grade(all_grades())},
        )
        old = membership.grade
        membership.grade, membership.set_by, membership.set_until = grade, actor, until
        membership.changed_at = now
        membership.save()
        if _same(old, grade):
            return None
        change = GradeChange.objects.create(
            party=party,
            old=old,
            new=grade,
            cause=GradeChange.Cause.BY_HAND,
            amount_12m=membership.amount_12m,
            at=now,
            actor=actor,
        )
        record_activities([_activity(change)])
    if grade_program().tell_party:
        tell_change(change)
    return change


def end_hand_grades(day: dt.date, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Grades set by a person whose end date passed: the earned grade applies again."""
    now = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    program = grade_program()
    if not program.enabled:
        return {}
    ended = Membership.objects.filter(set_until__lt=day).select_related("grade", "earned")
    for membership in list(ended.order_by("party_id")):
        with transaction.atomic():
            claimed = Membership.objects.filter(
                party_id=membership.party_id, set_until=membership.set_until
            ).update(grade=membership.earned, set_until=None, set_by=None, changed_at=now)
            if not claimed or _same(membership.grade, membership.earned):
                continue
            change = GradeChange.objects.create(
                party_id=membership.party_id,
                old=membership.grade,
                new=membership.earned,
                cause=GradeChange.Cause.HAND_ENDED,
                amount_12m=membership.amount_12m,
                at=now,
            )
            record_activities([_activity(change)])
        counts["ended"] += 1
        if program.tell_party:
            counts[tell_change(change)] += 1
    return dict(counts)


def stamp_orders(order_ids) -> int:
    """Keep on each order the grade its party held when it came in: the last change before
    the order, else the grade held before the first change, else the grade held now. An
    order from before grades began keeps none (it had none)."""
    program = grade_program()
    if not program.enabled or program.started_on is None:
        return 0
    orders = list(
        Order.objects.filter(
            pk__in=list(order_ids), member_grade="", occurred_at__gte=_moment(program.started_on)
        ).values_list("pk", "party_id", "occurred_at")
    )
    parties = {party_id for _pk, party_id, _at in orders}
    start = entry_grade(all_grades())
    now_held = {
        party_id: name
        for party_id, name in Membership.objects.filter(party_id__in=parties).values_list(
            "party_id", "grade__name"
        )
    }
    history: dict[int, list[tuple]] = defaultdict(list)
    changes = GradeChange.objects.filter(party_id__in=parties).order_by("at", "pk")
    for party_id, at, old, new in changes.values_list("party_id", "at", "old__name", "new__name"):
        history[party_id].append((at, old or "", new or ""))
    by_name: dict[str, list[int]] = defaultdict(list)
    for pk, party_id, at in orders:
        held = now_held.get(party_id, start.name if start else "") or ""
        name = _grade_at(history.get(party_id, []), at, held)
        if name:
            by_name[name].append(pk)
    stamped = 0
    for name, pks in by_name.items():
        stamped += Order.objects.filter(pk__in=pks, member_grade="").update(member_grade=name)
    return stamped


def _grade_at(changes: list[tuple], at: dt.datetime, held_now: str) -> str:
    before = [new for when, _old, new in changes if when <= at]
    if before:
        return before[-1]
    return changes[0][1] if changes else held_now


def rate_of_grade(name: str) -> Decimal | None:
    """The earning rate a grade gives, when it gives one."""
    if not name:
        return None
    return (
        MemberGrade.objects.filter(name=name, rate_percent__isnull=False)
        .values_list("rate_percent", flat=True)
        .first()
    )


def tell_change(change: GradeChange, *, states: dict | None = None) -> str:
    """The party's message about its new grade (once per change), a service message."""
    party = Party.objects.get(pk=change.party_id)
    channel = reachable_channel(party)
    if channel is None or change.new is None:
        return "unreachable" if channel is None else "not_told"
    language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
    biz = business()
    with translation.override(language):
        subject = korean_particles(
            _("Your member grade is now %(grade)s") % {"grade": change.new.name}
        )
        lines = [
            korean_particles(
                _("%(name)s, your member grade at %(business)s is now %(grade)s.")
                % {
                    "name": party.display_name,
                    "business": biz.display_name,
                    "grade": change.new.name,
                }
            )
        ]
        if change.cause == GradeChange.Cause.MONTHLY:
            lines.append(
                _("Paid in the last 12 months: %(amount)s.")
                % {"amount": money(change.amount_12m, settings.PATRON_DEFAULT_CURRENCY)}
            )
        lines += _perk_lines(change.new)
    at = rules.quiet_hours_end(
        max(timezone.now(), _moment(timezone.localdate()) + dt.timedelta(hours=biz.notice_hour))
    )
    return tell(party, channel, f"grade:{change.pk}", subject, lines, states, at)


def _perk_lines(grade: MemberGrade) -> list[str]:
    lines = []
    if grade.rate_percent is not None:
        lines.append("- " + _("Points: %(rate)s%% of what you pay") % {"rate": grade.rate_percent})
    if grade.priority_booking:
        lines.append("- " + _("Priority when booking"))
    if grade.perks:
        lines.append("- " + grade.perks)
    return lines
