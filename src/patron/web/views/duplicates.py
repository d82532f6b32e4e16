"""Likely duplicates: a paged list, a side-by-side confirmation, merge, "not the same person",
and undo."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron import jobs
from patron.accounts import roles
from patron.commerce.queries import party_history
from patron.parties.duplicates import do_dismiss_pair, evidence_for, find_duplicates, weight
from patron.parties.merge import (
    MergeRefused,
    check_merge,
    do_merge_parties,
    do_undo_merge,
    merge_preview,
    undo_window,
)
from patron.parties.models import Party, PartyMerge

from ..access import allowed, member_required
from ..forms import MergeForm, PairForm

PAGE_SIZE = 25


DUPLICATES_CACHE = "patron:duplicates"


@member_required
def duplicates(request):
    # Finding pairs reads every contact point: done once a minute, not on each page of the
    # list; a merge or a dismissal clears it (the page must not offer a pair already handled).
    found = cache.get(DUPLICATES_CACHE)
    if found is None:
        found = find_duplicates()
        cache.set(DUPLICATES_CACHE, found, 60)
    pairs, cut = found
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "cut": cut, "can_merge": roles.can_merge(request.user)}
    return render(request, "patron/duplicates.html", context)


@member_required
def compare(request, first: int, second: int):
    """The two side by side: who they are, what each has, what a merge would move."""
    a = get_object_or_404(Party.objects.select_related("relationship__owner"), pk=first)
    b = get_object_or_404(Party.objects.select_related("relationship__owner"), pk=second)
    try:
        check_merge(a, b)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect("duplicates")
    sides = [_side(a, b), _side(b, a)]
    # Suggest keeping the party with the longer history (more orders; then the older).
    keep = (
        a if (sides[0]["history"].purchases, -a.pk) >= (sides[1]["history"].purchases, -b.pk) else b
    )
    evidence = evidence_for(a, b)
    context = {
        "sides": sides,
        "keep": keep,
        "evidence": evidence,
        "strength": weight(evidence),
        "undo_days": undo_window().days,
        "can_merge": roles.can_merge(request.user),
    }
    return render(request, "patron/duplicate_compare.html", context)


def _side(party: Party, other: Party) -> dict:
    return {
        "party": party,
        # What keeping this party would move to it from the other.
        "moves": {"code": "merge.moves", "moved": merge_preview(party, other)},
        "relationship": getattr(party, "relationship", None),
        "history": party_history(party),
        "contacts": list(party.contact_points.order_by("kind", "value")),
    }


@allowed(roles.can_merge)
@require_POST
def merge(request):
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("duplicates")
    survivor = get_object_or_404(Party, pk=form.cleaned_data["survivor"])
    other = get_object_or_404(Party, pk=form.cleaned_data["other"])
    try:
        done = do_merge_parties(survivor, other, actor=request.user)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect("duplicates")
    cache.delete(DUPLICATES_CACHE)
    jobs.refresh_later([survivor.pk])
    messages.success(
        request,
        _("%(other)s was merged into %(survivor)s. You can undo this for %(days)s days below.")
        % {
            "other": other.display_name,
            "survivor": survivor.display_name,
            "days": undo_window().days,
        },
    )
    return redirect("party", pk=done.survivor_id)


@allowed(roles.can_merge)
@require_POST
def dismiss(request):
    form = PairForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("duplicates")
    first = get_object_or_404(Party, pk=form.cleaned_data["first"])
    second = get_object_or_404(Party, pk=form.cleaned_data["second"])
    do_dismiss_pair(first, second, actor=request.user)
    cache.delete(DUPLICATES_CACHE)
    messages.success(
        request,
        _("%(a)s and %(b)s will not be suggested as duplicates again.")
        % {"a": first.display_name, "b": second.display_name},
    )
    return redirect("duplicates")


@allowed(roles.can_merge)
@require_POST
def undo_merge(request, pk: int):
    merge_record = get_object_or_404(PartyMerge.objects.select_related("survivor", "merged"), pk=pk)
    try:
        do_undo_merge(merge_record, actor=request.user)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect("party", pk=merge_record.survivor_id)
    cache.delete(DUPLICATES_CACHE)
    jobs.refresh_later([merge_record.survivor_id, merge_record.merged_id])
    messages.success(
        request,
        _("The merge was undone: %(name)s is a party of its own again.")
        % {"name": merge_record.merged.display_name},
    )
    return redirect("party", pk=merge_record.merged_id)
