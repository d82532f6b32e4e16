""" "You said, we did", pilots before launch, account plans and the manager's book."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.accounts.services import account_managers
from patron.commerce.models import Offering
from patron.core.problems import Problem
from patron.feedback import changes, pilots, plans
from patron.feedback.items import OPEN
from patron.feedback.models import (
    Change,
    FeedbackItem,
    Goal,
    GoalStatus,
    Milestone,
    MilestoneStatus,
    Pilot,
    PilotStatus,
    Severity,
)

from ..access import allowed, get_party_for_user, member_required

LINKABLE = 300
BOOK_PAGE = 50  # feedback items offered for linking to a change


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# -- you said, we did --------------------------------------------------------------------------


@member_required
def change_list(request):
    may = roles.can_run_campaigns(request.user)
    if request.method == "POST" and may:
        change = Change(
            title=request.POST.get("title", "")[:200],
            description=request.POST.get("description", "")[:4000],
            made_on=_day(request.POST.get("made_on", "")) or timezone.localdate(),
        )
        try:
            changes.do_save_change(change, [], actor=request.user)
        except Problem as problem:
            messages.error(request, str(problem))
        else:
            return redirect("change", pk=change.pk)
    year = timezone.localdate().year
    summaries = changes.year_summaries(year)
    return render(
        request,
        "patron/changes.html",
        {
            "changes": Change.objects.order_by("-made_on", "-pk")[:200],
            "may_change": may,
            "may_tell": roles.is_owner(request.user),
            "year": year,
            "summaries": summaries,
            "summary_example": changes.summary_words(summaries[0], year) if summaries else None,
        },
    )


@member_required
def change_detail(request, pk: int):
    change = get_object_or_404(Change, pk=pk)
    may = roles.can_run_campaigns(request.user) and change.announced_at is None
    may_tell = roles.is_owner(request.user) and change.announced_at is None
    if request.method == "POST" and may:
        ids = [int(v) for v in request.POST.getlist("items") if v.isdigit()]
        change.title = request.POST.get("title", change.title)[:200]
        change.description = request.POST.get("description", change.description)[:4000]
        try:
            changes.do_save_change(change, ids, actor=request.user)
        except Problem as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("Saved. Read the message below before telling them."))
        return redirect("change", pk=pk)
    linked = set(change.items.values_list("pk", flat=True))
    query = request.GET.get("q", "").strip()[:100]
    offered = FeedbackItem.objects.filter(status__in=OPEN) | FeedbackItem.objects.filter(
        pk__in=linked
    )
    if query:
        offered = offered.filter(text__icontains=query) | FeedbackItem.objects.filter(pk__in=linked)
    offered = offered.distinct().select_related("party").order_by("-opened_at")[:LINKABLE]
    return render(
        request,
        "patron/change_detail.html",
        {
            "change": change,
            "linked": linked,
            "offered": offered,
            "q": query,
            "preview": changes.preview(change),
            "may_change": may,
            "may_tell": may_tell,
        },
    )


@allowed(roles.is_owner)
@require_POST
def change_announce(request, pk: int):
    change = get_object_or_404(Change, pk=pk)
    if request.POST.get("read") != "on":
        messages.error(request, _("Tick that you read the message first."))
        return redirect("change", pk=pk)
    try:
        told = changes.do_announce_change(change, actor=request.user)
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        count = sum(n for key, n in told.items() if key.startswith("told_"))
        messages.success(request, _("%(n)s people who asked are being told.") % {"n": count})
    return redirect("change", pk=pk)


@allowed(roles.is_owner)
@require_POST
def year_summaries_send(request):
    year = timezone.localdate().year
    if request.POST.get("read") != "on":
        messages.error(request, _("Tick that you read the message first."))
        return redirect("changes")
    counts = changes.do_send_year_summaries(year, actor=request.user)
    count = sum(n for key, n in counts.items() if key.startswith("told_"))
    messages.success(request, _("%(n)s clients are being sent their year.") % {"n": count})
    return redirect("changes")


# -- pilots ----------------------------------------------------------------------------------------


@member_required
def pilot_list(request):
    may = roles.can_run_campaigns(request.user)
    if request.method == "POST" and may:
        offering = Offering.objects.filter(pk=request.POST.get("offering") or 0).first()
        title = request.POST.get("title", "").strip()[:200]
        if offering is None or not title:
            messages.error(request, _("Choose the offering and give the pilot a title."))
        else:
            pilot = Pilot.objects.create(
                offering=offering,
                title=title,
                description=request.POST.get("description", "")[:4000],
                threshold=_bounded(request.POST.get("threshold"), 80, 1, 100),
                min_answers=_bounded(request.POST.get("min_answers"), 5, 1, 1000),
                created_by=request.user,
            )
            return redirect("pilot", pk=pilot.pk)
    rows = [
        (pilot, pilots.readiness(pilot))
        for pilot in Pilot.objects.select_related("offering").order_by("-created_at")[:100]
    ]
    return render(
        request,
        "patron/pilots.html",
        {"rows": rows, "may_change": may, "offerings": Offering.objects.order_by("name")[:500]},
    )


def _bounded(value, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default


@member_required
def pilot_detail(request, pk: int):
    pilot = get_object_or_404(Pilot.objects.select_related("offering"), pk=pk)
    members = pilot.members.select_related("party", "message").order_by("pk")
    seated = {member.party_id for member in members}
    proposed = (
        [c for c in pilots.candidates(pilot) if c.party.pk not in seated][:30]
        if pilot.status != PilotStatus.LAUNCHED
        else []
    )
    return render(
        request,
        "patron/pilot_detail.html",
        {
            "pilot": pilot,
            "members": members,
            "proposed": proposed,
            "state": pilots.readiness(pilot),
            "problems": pilot.problems.select_related("party").order_by("-opened_at"),
            "may_change": roles.can_run_campaigns(request.user),
            "severities": Severity.choices,
            "draft_subject": _("Try %(offering)s before everyone else")
            % {"offering": pilot.offering.name},
            "draft_body": _(
                "You have been with us a long time, so we would like you to try %(offering)s "
                "before everyone else, and tell us honestly what you think."
            )
            % {"offering": pilot.offering.name},
        },
    )


@member_required
@require_POST
def pilot_change(request, pk: int, change: str):
    pilot = get_object_or_404(Pilot, pk=pk)
    if change != "problem" and not roles.can_run_campaigns(request.user):
        return render(request, "403.html", status=403)
    try:
        if change == "panel":
            ids = [int(v) for v in request.POST.getlist("party") if v.isdigit()]
            added = pilots.do_choose_panel(pilot, ids, actor=request.user)
            messages.success(request, _("%(n)s added to the panel.") % {"n": added})
        elif change == "invite":
            n = pilots.do_invite_panel(
                pilot,
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
                actor=request.user,
            )
            messages.success(request, _("%(n)s invited.") % {"n": n})
        elif change == "ask":
            counts = pilots.do_ask_panel(pilot)
            asked = sum(n for key, n in counts.items() if key.startswith("invited_"))
            messages.success(request, _("%(n)s asked how it went.") % {"n": asked})
        elif change == "problem":
            party = get_party_for_user(request, int(request.POST.get("party") or 0))
            pilots.do_report_problem(
                pilot,
                party,
                request.POST.get("text", ""),
                request.POST.get("severity", Severity.NORMAL),
                actor=request.user,
            )
            messages.success(request, _("Recorded as a problem of the pilot."))
        elif change == "launch":
            pilots.do_launch(
                pilot, actor=request.user, despite_open=request.POST.get("despite") == "on"
            )
            messages.success(request, _("Launched to everyone."))
    except Problem as problem:
        messages.error(request, str(problem))
    return redirect("pilot", pk=pk)


# -- account plans and the book ------------------------------------------------------------------


@member_required
def account_plan(request, pk: int):
    """The plan on its own page: printable for a review meeting."""
    party = get_party_for_user(request, pk)
    return render(
        request,
        "patron/account_plan.html",
        {"party": party, "plan": plans.plan_of(party), "today": timezone.localdate()},
    )


@member_required
@require_POST
def plan_change(request, pk: int, change: str):
    party = get_party_for_user(request, pk)
    actor = request.user
    relationship = getattr(party, "relationship", None)
    manager_id = relationship.owner_id if relationship else None
    if actor.pk != manager_id and not roles.can_run_campaigns(actor):
        return render(request, "403.html", status=403)  # the client's manager, or above
    try:
        if change == "plan":
            plans.do_save_plan(
                party,
                summary=request.POST.get("summary", ""),
                next_review=_day(request.POST.get("next_review", "")),
                actor=actor,
            )
        elif change == "goal":
            plans.do_add_goal(
                party,
                title=request.POST.get("title", ""),
                measure=request.POST.get("measure", ""),
                target_date=_day(request.POST.get("target_date", "")),
                actor=actor,
            )
        elif change == "goal_status":
            goal = get_object_or_404(Goal, pk=request.POST.get("goal") or 0, plan__party=party)
            plans.do_set_goal_status(goal, request.POST.get("status", ""), actor=actor)
        elif change == "milestone":
            goal = get_object_or_404(Goal, pk=request.POST.get("goal") or 0, plan__party=party)
            plans.do_add_milestone(
                goal,
                title=request.POST.get("title", ""),
                due=_day(request.POST.get("due", "")),
                actor=actor,
            )
        elif change == "milestone_status":
            milestone = get_object_or_404(
                Milestone, pk=request.POST.get("milestone") or 0, goal__plan__party=party
            )
            plans.do_set_milestone(milestone, request.POST.get("status", ""), actor=actor)
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Saved on their timeline."))
    return redirect(f"{party_url(party)}#plan")


def party_url(party) -> str:
    from django.urls import reverse

    return reverse("party", args=[party.pk])


@member_required
def manager_book(request):
    """A manager's clients; owners may look at anyone's."""
    user = request.user
    managers = account_managers() if roles.is_owner(user) else []
    wanted = request.GET.get("manager", "")
    if managers and wanted.isdigit():
        user = get_object_or_404(get_user_model(), pk=int(wanted))
    page = Paginator(plans.book_parties(user), BOOK_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "patron/book.html",
        {
            "rows": plans.book_rows(page),
            "page": page,
            "manager": user,
            "managers": managers,
            "currency": settings.PATRON_DEFAULT_CURRENCY,
        },
    )


PLAN_CHOICES = {"goal": GoalStatus.choices, "milestone": MilestoneStatus.choices}
