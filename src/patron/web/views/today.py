"""Today: each person's due check-ins, tasks and next best actions, with done and snooze."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.core.problems import Problem
from patron.outreach.models import Task, TaskStatus
from patron.outreach.nba import next_actions
from patron.outreach.services import SNOOZE_DAYS, do_finish_task, do_snooze_task

from ..access import member_required

PAGE_SIZE = 25


def tasks_for(user):
    """Open tasks due today or before, not put off: the person's own, and for owners also
    those nobody is assigned to."""
    day = timezone.localdate()
    mine = Q(assignee=user)
    if roles.is_owner(user):
        mine |= Q(assignee__isnull=True)
    return (
        Task.objects.filter(mine, status=TaskStatus.OPEN, due__lte=day)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day))
        .select_related("party", "assignee")
        .order_by("due", "pk")
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
    return render(
        request,
        "patron/today.html",
        {
            "tasks": page,
            "page": page,
            "actions": next_actions(owner=owner),
            "snooze_days": SNOOZE_DAYS,
        },
    )


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
