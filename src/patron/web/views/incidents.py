"""Incidents: declare, see exactly who is affected, approve and send notices, resolve."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.core.audit import do_set_archived
from patron.core.problems import Problem
from patron.outreach.incidents import (
    affected_parties,
    do_send_notice,
    draft_notice,
    incident_report,
    who_was_told,
)
from patron.outreach.models import Incident, IncidentNoticeKind, IncidentStatus

from ..access import allowed, member_required
from ..forms import IncidentForm


@member_required
def incident_list(request):
    form = IncidentForm(request.POST or None) if roles.can_run_campaigns(request.user) else None
    if request.method == "POST" and form is not None and form.is_valid():
        incident = form.save(commit=False)
        incident.created_by = request.user
        incident.save()
        form.save_m2m()
        return redirect("incident", incident.pk)
    archived = request.GET.get("archived") == "1"
    incidents = Incident.objects.filter(archived_at__isnull=not archived).order_by("-starts_at")
    return render(
        request,
        "patron/incidents.html",
        {"incidents": incidents[:100], "form": form, "archived": archived},
    )


SHOWN_AFFECTED = 50  # names listed on the page; the rest are counted


@member_required
def incident_detail(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    affected = affected_parties(incident)
    subject, body = draft_notice(incident)
    kind = (
        IncidentNoticeKind.NOTICE
        if incident.status == IncidentStatus.DRAFT
        else IncidentNoticeKind.UPDATE
    )
    count = affected.count()
    return render(
        request,
        "patron/incident_detail.html",
        {
            "incident": incident,
            "affected_count": count,
            "affected": affected.order_by("display_name")[:SHOWN_AFFECTED],
            "affected_more": max(count - SHOWN_AFFECTED, 0),
            "draft_subject": subject,
            "draft_body": body,
            "kind": kind,
            "notices": incident.notices.select_related("approved_by").order_by("pk"),
            "told": who_was_told(incident)[:500],
            "report": incident_report(incident),
            "may_run": roles.can_run_campaigns(request.user),
        },
    )


@allowed(roles.can_run_campaigns)
@require_POST
def incident_send(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    kind = request.POST.get("kind", IncidentNoticeKind.UPDATE)
    if kind not in IncidentNoticeKind.values:
        kind = IncidentNoticeKind.UPDATE
    try:
        notice = do_send_notice(
            incident,
            kind,
            request.POST.get("subject", "")[:200],
            request.POST.get("body", "")[:5000],
            actor=request.user,
            not_advertising=request.POST.get("not_advertising") == "on",
        )
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        count = sum(v for k, v in notice.planned.items() if k.startswith("planned_"))
        messages.success(request, _("Approved: %(n)s people are being told now.") % {"n": count})
    return redirect("incident", pk)


@allowed(roles.can_run_campaigns)
def incident_edit(request, pk: int):
    """Change an incident nobody was told of yet (after the first notice, updates say what
    changed: the notices sent stay as they were)."""
    incident = get_object_or_404(Incident, pk=pk, status=IncidentStatus.DRAFT)
    form = IncidentForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Incident saved."))
        return redirect("incident", pk)
    return render(request, "patron/incident_form.html", {"form": form, "incident": incident})


@allowed(roles.can_run_campaigns)
@require_POST
def incident_archive(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    archived = incident.archived_at is None
    do_set_archived(incident, archived, actor=request.user)
    messages.success(request, _("Archived.") if archived else _("Back in the list."))
    return redirect("incidents")
