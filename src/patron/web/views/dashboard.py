"""The dashboard: who the business serves, what Patron knows, what came in lately."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from patron.commerce.queries import recent_imports
from patron.insight import queries as insight
from patron.insight.models import Stage
from patron.insight.wording import reason_heading
from patron.parties.models import RelationshipKind
from patron.parties.queries import counts_by_kind

from ..access import member_required
from ..charts import histogram, stage_bars, tracking_chart


@member_required
def dashboard(request):
    by_kind = counts_by_kind()
    kinds = [(k, label, by_kind[k]) for k, label in RelationshipKind.choices if by_kind.get(k)]
    reasons = {
        kind: [(reason_heading(code), n) for code, n in found]
        for kind, found in insight.reason_counts().items()
    }
    context = {
        "kinds": kinds,
        "total": sum(by_kind.values()),
        "reasons": reasons,
        "imports": recent_imports(5),
        "attempt": insight.latest_attempt(),
        **_charts(insight.latest_run()),
    }
    return render(request, "patron/dashboard.html", context)


def _charts(run) -> dict:
    if run is None:
        return {"run": None}
    kind_labels = dict(RelationshipKind.choices)
    charts = {
        "stages": stage_bars(
            insight.stage_counts_by_kind(),
            dict(Stage.choices),
            kind_labels,
            _("Lifecycle stage by relationship"),
        ),
    }
    bins = run.value_histogram
    if bins.get("counts"):
        charts["value"] = histogram(
            bins["edges"],
            bins["counts"],
            _("Predicted 12-month value per party"),
            _("12-month value"),
        )
    if run.tracking.get("actual"):
        charts["tracking"] = tracking_chart(
            run.tracking["actual"],
            run.tracking["predicted"],
            run.tracking["calibration_end_week"],
            _("Cumulative repeat purchases, actual and forecast"),
            (_("actual"), _("forecast"), _("holdout")),
        )
    return {"run": run, "charts": charts, "holdout": run.fit.get("holdout")}
