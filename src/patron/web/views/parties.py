"""The party list and a party's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron import jobs, rights
from patron.accounts import roles
from patron.commerce.bookings import party_bookings
from patron.commerce.queries import party_history, party_timeline
from patron.core.problems import Problem
from patron.feedback.models import FeedbackItem, GoalStatus, MilestoneStatus, SurveyInvitation
from patron.feedback.plans import plan_of, tell_new_manager
from patron.insight.queries import party_insight, preference_messages
from patron.loyalty.coupons import usable_coupons
from patron.loyalty.grades import grade_of, grade_program
from patron.loyalty.ledger import balance_of
from patron.loyalty.models import GradeChange, Membership, PointEntry, Referral
from patron.loyalty.recommendations import lists_for
from patron.outreach.nba import party_action
from patron.outreach.queries import timeline_with_messages
from patron.outreach.services import consent_history, do_capture_consent, preferences_of
from patron.parties.access import record_access
from patron.parties.merge import open_merges, undo_window
from patron.parties.models import AccessAction, KindSource, RelationshipKind
from patron.parties.queries import kinds_in_use, search_parties
from patron.parties.services import RelationshipError, do_set_relationship

from ..access import allowed, get_party_for_user, member_required
from ..business_forms import ConsentCaptureForm
from ..forms import RelationshipForm
from ..listening_forms import NewItemForm
from ..loyalty_forms import IssueCouponForm, SetGradeForm

PAGE_SIZE = 50


@member_required
def party_list(request):
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    sort = request.GET.get("sort", "name")
    parties = search_parties(query, kind=kind, sort=sort)
    page = Paginator(parties, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [party.pk for party in page]
    if query:
        record_access(request, AccessAction.SEARCH, shown, query=query)
    elif shown:
        record_access(request, AccessAction.LIST, shown)
    context = {
        "page": page,
        "q": query,
        "kind": kind,
        "sort": sort,
        "kinds": kinds_in_use(),
    }
    return render(request, "patron/party_list.html", context)


@member_required
def party_detail(request, pk: int):
    party = get_party_for_user(request, pk)
    if party.merged_into_id:
        return redirect("party", pk=party.merged_into_id)
    record_access(request, AccessAction.VIEW, [party.pk])
    relationship = getattr(party, "relationship", None)
    form = RelationshipForm(
        initial={
            "kind": relationship.kind if relationship else RelationshipKind.CUSTOMER,
            "owner": relationship.owner_id if relationship else None,
        }
    )
    insight = party_insight(party)
    context = {
        "party": party,
        "relationship": relationship,
        "set_by_person": relationship is not None and relationship.kind_source == KindSource.PERSON,
        "history": party_history(party),
        "bookings": party_bookings(party, timezone.now()),
        "insight": insight,
        "preferences": preference_messages(insight.preferences),
        "timeline": timeline_with_messages(party, party_timeline(party)),
        "next_action": party_action(party),
        "merges": open_merges(party),
        "undo_days": undo_window().days,
        "form": form,
        "can_edit": roles.can_change_relationships(request.user),
        "can_merge": roles.can_merge(request.user),
        "consents": consent_history(party),
        "in_force": preferences_of(party),
        "consent_form": ConsentCaptureForm(initial={"decided_on": timezone.localdate()}),
        "feedback_items": FeedbackItem.objects.filter(party=party).order_by("-opened_at")[:10],
        "answers": SurveyInvitation.objects.filter(party=party, answered_at__isnull=False).order_by(
            "-answered_at"
        )[:5],
        "feedback_form": NewItemForm(),
        "plan": plan_of(party),
        "points": balance_of(party.pk),
        "grade": grade_of(party),
        "grades_on": grade_program().enabled,
        "membership": Membership.objects.filter(party=party).first(),
        "grade_changes": GradeChange.objects.filter(party=party)
        .select_related("old", "new")
        .order_by("-at", "-pk")[:10],
        "grade_form": SetGradeForm(),
        "coupons": usable_coupons(party.pk, timezone.localdate()),
        "suggested": lists_for(party.pk),
        "may_export": may_export(request.user, party),
        "referral": Referral.objects.filter(referred=party).select_related("referrer").first(),
        "today": timezone.localdate(),
        "coupon_form": IssueCouponForm(),
        "may_give_coupons": roles.can_run_campaigns(request.user),
        "point_entries": PointEntry.objects.filter(party=party).order_by("-created_at", "-pk")[:20],
        "goal_statuses": GoalStatus.choices,
        "milestone_statuses": MilestoneStatus.choices,
    }
    return render(request, "patron/party_detail.html", context)


@member_required
@require_POST
def party_consent(request, pk: int):
    """A member records what the person decided, with its evidence."""
    party = get_party_for_user(request, pk)
    form = ConsentCaptureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was recorded: %s") % form.errors.as_text())
        return redirect("party", pk=party.pk)
    data = form.cleaned_data
    try:
        changed = do_capture_consent(
            party,
            data["channel"],
            data["purpose"],
            granted=data["granted"],
            how=data["how"],
            wording=data["wording"],
            decided_on=data["decided_on"],
            actor=request.user,
        )
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        if changed:
            messages.success(request, _("Recorded, with who, when and how, on their timeline."))
        else:
            messages.info(request, _("That is what they had decided already: nothing changed."))
    return redirect("party", pk=party.pk)


@allowed(roles.can_change_relationships)
@require_POST
def party_relationship(request, pk: int):
    party = get_party_for_user(request, pk)
    form = RelationshipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change was not saved: %s") % form.errors.as_text())
        return redirect("party", pk=party.pk)
    relationship = getattr(party, "relationship", None)
    previous = relationship.owner if relationship else None
    try:
        saved = do_set_relationship(
            party,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            owner=form.cleaned_data["owner"],
            clear_owner=form.cleaned_data["owner"] is None,
        )
    except RelationshipError as exc:
        messages.error(request, str(exc))
    else:
        # Given to another manager: the history stays; the new manager gets a task.
        tell_new_manager(party, previous=previous, manager=saved.owner, actor=request.user)
        jobs.refresh_later([party.pk])
        messages.success(request, _("Relationship saved."))
    return redirect("party", pk=party.pk)


def may_export(user, party) -> bool:
    if roles.is_owner(user):
        return True
    relationship = getattr(party, "relationship", None)
    return relationship is not None and relationship.owner_id == user.pk


@member_required
def party_data(request, pk: int, fmt: str):
    """Everything kept about the party, for the person who asked (their right to see and
    take it): JSON, or a ZIP of CSV files. Owners, and the person's account manager, only;
    recorded in the access log as an export."""
    if fmt not in ("json", "zip"):
        raise Http404
    party = get_party_for_user(request, pk)
    while party.merged_into_id:
        party = party.merged_into
    if not may_export(request.user, party):
        return render(request, "403.html", status=403)
    record_access(request, AccessAction.EXPORT, [party.pk])
    if fmt == "json":
        response = HttpResponse(rights.as_json(party), content_type="application/json")
        name = f"party-{party.pk}.json"
    else:
        response = HttpResponse(rights.as_csv_zip(party), content_type="application/zip")
        name = f"party-{party.pk}-csv.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
