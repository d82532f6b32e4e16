"""Seminars and events: create, invite a segment, see the answers, record who came."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.core.audit import do_set_archived
from patron.core.problems import Problem
from patron.outreach.events import (
    do_cancel_event,
    do_invite,
    do_mark_attended,
    do_save_event,
    invitation_preview,
    invitation_reach,
    invitation_report,
)
from patron.outreach.models import Event

from ..access import allowed, member_required
from ..forms import EventForm


@member_required
def event_list(request):
    form = EventForm(request.POST or None) if roles.can_run_campaigns(request.user) else None
    if request.method == "POST" and form is not None and form.is_valid():
        event = form.save(commit=False)
        event.created_by = request.user
        event.save()
        return redirect("event", event.pk)
    archived = request.GET.get("archived") == "1"
    events = (
        Event.objects.filter(archived_at__isnull=not archived)
        .annotate(coming=Count("answers", filter=Q(answers__coming=True)))
        .order_by("-starts_at")[:100]
    )
    return render(
        request, "patron/events.html", {"events": events, "form": form, "archived": archived}
    )


@member_required
def event_detail(request, pk: int):
    event = get_object_or_404(Event.objects.select_related("segment"), pk=pk)
    answers = event.answers.select_related("party").order_by("-coming", "party__display_name")
    return render(
        request,
        "patron/event_detail.html",
        {
            "event": event,
            "answers": answers,
            "coming": sum(1 for a in answers if a.coming),
            "may_run": roles.can_run_campaigns(request.user),
            "preview": invitation_preview(event),
            "reach": None if event.invited_at else invitation_reach(event),
            "report": invitation_report(event),
        },
    )


@allowed(roles.can_run_campaigns)
def event_edit(request, pk: int):
    """Change an event not yet cancelled (a changed time reaches those invited only by a
    new message: the page says so)."""
    event = get_object_or_404(Event, pk=pk, cancelled_at__isnull=True)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        do_save_event(form.save(commit=False))
        messages.success(request, _("Event saved."))
        return redirect("event", pk)
    return render(request, "patron/event_form.html", {"form": form, "event": event})


@allowed(roles.can_run_campaigns)
@require_POST
def event_change(request, pk: int, change: str):
    event = get_object_or_404(Event, pk=pk)
    try:
        if change == "cancel":
            told = do_cancel_event(event, actor=request.user)
            messages.success(
                request,
                _("Cancelled: %(n)s people who said they would come are told.") % {"n": told},
            )
        elif change in ("archive", "unarchive"):
            do_set_archived(event, change == "archive", actor=request.user)
    except Problem as problem:
        messages.error(request, str(problem))
    return redirect("event", pk)


@allowed(roles.can_run_campaigns)
@require_POST
def event_invite(request, pk: int):
    event = get_object_or_404(Event.objects.select_related("segment"), pk=pk)
    try:
        counts = do_invite(event)
    except Problem as problem:
        messages.error(request, str(problem))
        return redirect("event", pk)
    invited = sum(n for key, n in counts.items() if key.startswith(("planned_", "held_")))
    messages.success(request, _("%(n)s invitations are on their way.") % {"n": invited})
    return redirect("event", pk)


@allowed(roles.can_run_campaigns)
@require_POST
def event_attendance(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    came = {int(value) for value in request.POST.getlist("came") if value.isdigit()}
    do_mark_attended(event, came, actor=request.user)
    messages.success(request, _("Saved on their timelines."))
    return redirect("event", pk)
