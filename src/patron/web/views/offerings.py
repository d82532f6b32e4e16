"""What the business sells, and whether each is catalogue or tailored work."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron import jobs
from patron.accounts import roles
from patron.commerce.models import Offering, OfferingKind
from patron.commerce.offerings import OfferingChangeRefused, do_set_offering_kind
from patron.commerce.queries import offering_usage, offerings
from patron.feedback.models import Pilot
from patron.feedback.pilots import readiness

from ..access import allowed, member_required, safe_next
from ..forms import OfferingKindForm

PAGE_SIZE = 50


def pilots_of(offering_ids: list[int]) -> dict[int, tuple]:
    """The latest pilot of each offering, with its readiness."""
    found = {}
    for pilot in Pilot.objects.filter(offering_id__in=offering_ids).order_by("created_at"):
        found[pilot.offering_id] = pilot
    return {pk: (pilot, readiness(pilot)) for pk, pilot in found.items()}


@member_required
def offering_list(request):
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    page = Paginator(offerings(query, kind), PAGE_SIZE).get_page(request.GET.get("page"))
    usage = offering_usage([offering.pk for offering in page])
    piloted = pilots_of([offering.pk for offering in page])
    rows = [(offering, usage[offering.pk], piloted.get(offering.pk)) for offering in page]
    context = {
        "page": page,
        "rows": rows,
        "q": query,
        "kind": kind,
        "kinds": OfferingKind.choices,
        "can_change": roles.can_change_offerings(request.user),
    }
    return render(request, "patron/offerings.html", context)


@allowed(roles.can_change_offerings)
@require_POST
def offering_kind(request, pk: int):
    offering = get_object_or_404(Offering, pk=pk)
    form = OfferingKindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change was not saved: %s") % form.errors.as_text())
        return redirect("offerings")
    try:
        changed = do_set_offering_kind(offering, form.cleaned_data["kind"], actor=request.user)
    except OfferingChangeRefused as exc:
        messages.error(request, str(exc))
        return redirect("offerings")
    if changed:
        jobs.refresh_later(offering=offering.pk)
        messages.success(
            request,
            _("%(name)s is now: %(kind)s. The parties who bought it are being read again.")
            % {"name": offering.name, "kind": offering.get_kind_display()},
        )
    return redirect(safe_next(request, reverse("offerings")))
