"""Pages about what Patron knows: charts on the dashboard, at-risk and conversion lists."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext as _

from patron.insight.explain import STAGE_ADVICE, alive_phrase, party_preferences, rhythm_phrase
from patron.insight.models import PartyScore, ScoringRun, Stage
from patron.parties.models import Market, RelationshipKind

from .access import team_required
from .charts import histogram, stage_bars, tracking_chart

PAGE_SIZE = 50


def latest_run() -> ScoringRun | None:
    return ScoringRun.objects.filter(status=ScoringRun.Status.DONE).order_by("-pk").first()


def dashboard_charts() -> dict:
    run = latest_run()
    if run is None:
        return {"run": None}
    counts: dict[str, dict[str, int]] = {}
    for kind, stage, n in (
        PartyScore.objects.values_list("party__relationship__kind", "stage")
        .annotate(n=Count("id"))
        .values_list("party__relationship__kind", "stage", "n")
    ):
        counts.setdefault(kind or "customer", {})[stage] = n
    charts = {
        "stages": stage_bars(counts, dict(Stage.choices), _("Lifecycle stage by relationship")),
        "value": _value_histogram(run),
    }
    if run.tracking.get("actual"):
        charts["tracking"] = tracking_chart(
            run.tracking["actual"],
            run.tracking["predicted"],
            run.tracking["calibration_end_week"],
            _("Cumulative repeat purchases, actual and forecast"),
            (_("actual"), _("forecast"), _("holdout")),
        )
    return {"run": run, "charts": charts, "holdout": run.fit.get("holdout")}


def _value_histogram(run: ScoringRun):
    bins = run.value_histogram
    if not bins.get("counts"):
        return None
    return histogram(
        bins["edges"],
        bins["counts"],
        _("Predicted 12-month value per party"),
        _("12-month value"),
    )


@team_required
def at_risk(request):
    """Parties slipping away, most valuable first; dormant clients need a check-in."""
    kind = request.GET.get("kind", "")
    stage = request.GET.get("stage", "")
    scores = PartyScore.objects.filter(stage__in=[Stage.AT_RISK, Stage.DORMANT])
    if stage in (Stage.AT_RISK, Stage.DORMANT):
        scores = scores.filter(stage=stage)
    if kind in RelationshipKind.values:
        scores = scores.filter(party__relationship__kind=kind)
    scores = scores.select_related("party__relationship").order_by("-clv", "pk")
    page = Paginator(scores, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(score, alive_phrase(score.p_alive), rhythm_phrase(score)) for score in page]
    context = {
        "page": page,
        "rows": rows,
        "kind": kind,
        "stage": stage,
        "kinds": RelationshipKind.choices,
        "advice": STAGE_ADVICE,
        "run": latest_run(),
    }
    return render(request, "patron/at_risk.html", context)


@team_required
def candidates(request):
    """Customers most worth turning into clients, with the reasons."""
    market = request.GET.get("market", "")
    active_only = request.GET.get("active") == "1"
    scores = PartyScore.objects.filter(propensity__isnull=False).exclude(
        party__relationship__kind=RelationshipKind.CLIENT
    )
    if market in Market.values:
        scores = scores.filter(party__market=market)
    if active_only:
        scores = scores.filter(stage__in=[Stage.NEW, Stage.ACTIVE])
    scores = scores.select_related("party").order_by("-propensity", "pk")
    page = Paginator(scores, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "market": market,
        "active_only": active_only,
        "markets": Market.choices,
        "run": latest_run(),
    }
    return render(request, "patron/candidates.html", context)


def party_insight(party) -> dict:
    score = PartyScore.objects.filter(party=party).first()
    insight = {"preferences": party_preferences(party.pk)}
    if score is not None:
        insight.update(
            score=score,
            alive=alive_phrase(score.p_alive),
            rhythm=rhythm_phrase(score),
            advice=STAGE_ADVICE.get(score.stage, ""),
        )
    return insight
