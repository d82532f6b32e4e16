"""Today: each person's due check-ins, tasks and next best actions, with done and snooze."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.commerce.bookings import booked_ahead
from patron.core.problems import Problem
from patron.feedback.items import items_for
from patron.feedback.plans import reviews_due
from patron.insight.models import PartyScore
from patron.outreach.models import Task, TaskStatus
from patron.outreach.nba import next_actions
from patron.outreach.notices import (
    day_notices,
    do_hold_day_notices,
    do_release_day_notices,
    notice_time,
)
from patron.outreach.services import (
    SNOOZE_DAYS,
    do_finish_task,
    do_handle_next_action,
    do_snooze_task,
)

from ..access import allowed, member_required

PAGE_SIZE = 25


def tasks_for(user):
    """Open tasks due today or before, not put off: the person's own, and for owners also
    those nobody is assigned to; the most valuable parties first (a client's 12-month value
    outranks a day's difference in due date). A check-in planned before the party booked
    waits while the booking is ahead: they are coming."""
    day = timezone.localdate()
    mine = Q(assignee=user)
    if roles.is_owner(user):
        mine |= Q(assignee__isnull=True)
    value = PartyScore.objects.filter(party=OuterRef("party")).values("clv")[:1]
    return (
        Task.objects.filter(mine, status=TaskStatus.OPEN, due__lte=day)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day))
        .exclude(dedupe_key__startswith="nba:")
        .exclude(Q(action__code="task.check_in") & Q(booked_ahead(timezone.now(), "party")))
        .annotate(value=Subquery(value))
        .select_related("party", "assignee")
        .order_by(F("value").desc(nulls_last=True), "due", "pk")
    )


def get_task_for_user(request, pk: int) -> Task:
    task = get_object_or_404(Task, pk=pk)
    if roles.can_change_relationships(request.user) or task.assignee_id == request.user.pk:
        return task
    raise PermissionError  # another person's task, or one nobody was given (owners')


@member_required
def today(request):
    owner = None if roles.is_owner(request.user) else request.user
    page = Paginator(tasks_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    check_ins = [task for task in page if (task.action or {}).get("code") == "task.check_in"]
    others = [task for task in page if task not in check_ins]
    day = timezone.localdate()
    return render(
        request,
        "patron/today.html",
        {
            "check_ins": check_ins,
            "tasks": others,
            "page": page,
            "actions": next_actions(owner=owner),
            "snooze_days": SNOOZE_DAYS,
            "notices": day_notices(day),
            "notice_time": notice_time(day),
            "may_hold": roles.can_run_campaigns(request.user),
            "feedback": items_for(request.user),
            "reviews": reviews_due(request.user),
            "today": timezone.localdate(),
        },
    )


@allowed(roles.can_run_campaigns)
@require_POST
def notices_change(request, change: str):
    """Hold the day's automatic notices before they go, or let them go."""
    day = timezone.localdate()
    if change == "hold":
        held = do_hold_day_notices(day)
        messages.success(
            request,
            ngettext(
                "Held: %(n)s notice waits until you release it.",
                "Held: %(n)s notices wait until you release them.",
                held,
            )
            % {"n": held},
        )
    elif change == "release":
        do_release_day_notices(day)
        messages.success(request, _("Released: the day's notices go at their hour."))
    return redirect("today")


@member_required
@require_POST
def action_handle(request, party_pk: int):
    """Done, or put off, a next best action: on the party's timeline, out of the list."""
    # Only what this page showed this member: an account manager handles their own parties.
    owner = None if roles.is_owner(request.user) else request.user
    proposed = next_actions(owner=owner)
    action = next((item.action for item in proposed if item.party.pk == party_pk), None)
    if action is None:
        messages.error(request, _("That action is no longer proposed."))
        return redirect("today")
    days = request.POST.get("days", "")
    try:
        do_handle_next_action(
            party_pk, action, actor=request.user, days=int(days) if days.isdigit() else 0
        )
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Saved on their timeline."))
    return redirect("today")


@member_required
@require_POST
def task_done(request, pk: int):
    return _change(request, pk, lambda task: do_finish_task(task, actor=request.user))


@member_required
@require_POST
def task_snooze(request, pk: int):
    days = int(request.POST.get("days") or 0) if (request.POST.get("days") or "").isdigit() else 0
    return _change(request, pk, lambda task: do_snooze_task(task, days, actor=request.user))


def _change(request, pk: int, change):
    try:
        task = get_task_for_user(request, pk)
    except PermissionError:
        return render(request, "403.html", status=403)
    try:
        change(task)
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Saved on their timeline."))
    return redirect("today")
