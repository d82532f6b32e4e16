"""The dashboard: who the business serves, what Patron knows, what came in lately."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patron.commerce.queries import recent_imports
from patron.core.formats import money
from patron.feedback.items import overdue_summary
from patron.insight import queries as insight
from patron.insight.models import Stage
from patron.insight.wording import reason_heading
from patron.parties.models import RelationshipKind
from patron.parties.queries import counts_by_kind

from ..access import member_required
from ..charts import histogram, stage_bars, tracking_chart


def failed_plan():
    """Today's plan of automatic messages, when it failed or was interrupted (the worker
    tries it again)."""
    from django.utils import timezone

    from patron.outreach.models import PlanRun

    return (
        PlanRun.objects.filter(day=timezone.localdate(), status__in=("failed", "interrupted"))
        .order_by("-pk")
        .first()
    )


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
        "plan": failed_plan(),
        "overdue": overdue_summary(),
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
    currency = settings.PATRON_DEFAULT_CURRENCY
    if bins.get("counts"):
        charts["value"] = histogram(
            bins["edges"],
            bins["counts"],
            _("Predicted 12-month value per party"),
            _("value over the next 12 months (%(currency)s)") % {"currency": currency},
            lambda n: ngettext("%(count)s party", "%(count)s parties", n) % {"count": f"{n:,}"},
            lambda value: money(round(value), currency),
            _("parties"),
        )
    tracking = run.tracking
    if tracking.get("actual"):
        start = dt.date.fromisoformat(tracking["start"])
        weeks = len(tracking["actual"])
        split = tracking["calibration_end_week"]
        dates = tuple((start + dt.timedelta(weeks=w)).strftime("%Y-%m") for w in (0, split, weeks))
        charts["tracking"] = tracking_chart(
            tracking["actual"],
            tracking["predicted"],
            split,
            _("Repeat purchases so far, as they happened and as the model expected"),
            (_("as they happened"), _("as expected"), _("the check")),
            dates,
        )
    return {"run": run, "charts": charts, "holdout": run.fit.get("holdout")}
