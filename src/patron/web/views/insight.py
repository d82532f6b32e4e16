"""What Patron knows: who is slipping away, and who is worth a closer relationship."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from patron.insight import queries
from patron.outreach.holdouts import conversions_after_actions
from patron.parties.models import Market
from patron.parties.queries import kinds_in_use

from ..access import member_required

PAGE_SIZE = 50


@member_required
def at_risk(request):
    kind = request.GET.get("kind", "")
    stage = request.GET.get("stage", "")
    page = Paginator(queries.at_risk(stage=stage, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(score, queries.activity_messages(queries.reading_of(score))) for score in page]
    context = {
        "page": page,
        "rows": rows,
        "kind": kind,
        "stage": stage,
        "kinds": kinds_in_use(),
        "run": queries.latest_run(),
    }
    return render(request, "patron/at_risk.html", context)


@member_required
def candidates(request):
    market = request.GET.get("market", "")
    active_only = request.GET.get("active") == "1"
    found = queries.candidates(market=market, active_only=active_only)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "market": market,
        "active_only": active_only,
        "markets": Market.choices,
        "run": queries.latest_run(),
        "conversions": conversions_after_actions(),
    }
    return render(request, "patron/candidates.html", context)
