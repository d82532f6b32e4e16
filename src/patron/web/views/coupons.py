"""Coupons: made by whoever runs campaigns, given to a party or a segment, used at the
counter; each coupon's page says how often it was used and what those sales paid."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.core.problems import Problem
from patron.loyalty.coupons import (
    coupon_results,
    do_issue_to_party,
    do_issue_to_segment,
    do_save_coupon,
)
from patron.loyalty.models import Coupon, CouponRedemption
from patron.outreach.models import Segment

from ..access import allowed, get_party_for_user
from ..loyalty_forms import CouponForm, IssueCouponForm

PAGE_SIZE = 50


@allowed(roles.can_run_campaigns)
def coupons(request):
    rows = Coupon.objects.select_related("campaign").order_by("-expires_on", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "patron/coupons.html",
        {
            "page": page,
            "rows": [(coupon, coupon_results(coupon)) for coupon in page],
            "today": timezone.localdate(),
        },
    )


@allowed(roles.can_run_campaigns)
def coupon_edit(request, pk: int | None = None):
    coupon = get_object_or_404(Coupon, pk=pk) if pk else Coupon()
    form = CouponForm(request.POST or None, instance=coupon)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_coupon(form.save(commit=False), actor=request.user)
        except Problem as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Coupon saved."))
            return redirect("coupon", saved.pk)
    return render(request, "patron/coupon_form.html", {"form": form, "coupon": coupon})


@allowed(roles.can_run_campaigns)
def coupon_detail(request, pk: int):
    coupon = get_object_or_404(Coupon.objects.select_related("campaign"), pk=pk)
    uses = (
        CouponRedemption.objects.filter(coupon=coupon)
        .select_related("party")
        .order_by("-redeemed_at", "-pk")
    )
    return render(
        request,
        "patron/coupon.html",
        {
            "coupon": coupon,
            "results": coupon_results(coupon),
            "uses": Paginator(uses, PAGE_SIZE).get_page(request.GET.get("page")),
            "segments": Segment.objects.filter(archived_at__isnull=True).order_by("name"),
        },
    )


@allowed(roles.can_run_campaigns)
@require_POST
def coupon_issue(request, pk: int):
    """Give the coupon to everyone in a segment now."""
    coupon = get_object_or_404(Coupon, pk=pk)
    segment = get_object_or_404(Segment, pk=request.POST.get("segment") or 0)
    issued = do_issue_to_segment(coupon, segment)
    messages.success(
        request,
        _("Given to %(n)s more people of %(segment)s.") % {"n": f"{issued:,}", "segment": segment},
    )
    return redirect("coupon", coupon.pk)


@allowed(roles.can_run_campaigns)
@require_POST
def party_coupon(request, pk: int):
    """Give one party a coupon, from its page."""
    party = get_party_for_user(request, pk)
    form = IssueCouponForm(request.POST)
    if form.is_valid():
        coupon = form.cleaned_data["coupon"]
        if do_issue_to_party(coupon, party, actor=request.user):
            messages.success(request, _("Coupon %(code)s given.") % {"code": coupon.code})
        else:
            messages.info(request, _("They hold coupon %(code)s already.") % {"code": coupon.code})
    else:
        messages.error(request, _("Nothing was given: %s") % form.errors.as_text())
    return redirect(f"{reverse('party', args=[party.pk])}#points")
