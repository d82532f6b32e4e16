"""Scoring: sufficient statistics from the database, fitted models, scores for every party.

A scoring run is a tracked run (core.runs): it ends done, failed with its reason (the previous
scores stay in place), or interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from patron.analytics import (
    BetaGeo,
    GammaGamma,
    ModelNotIdentified,
    ModifiedBetaGeo,
    ParetoNBD,
    StageThresholds,
    clv,
    conversion_propensity,
    cumulative_tracking,
    lifecycle_stage,
    log_histogram,
)
from patron.analytics.evaluate import holdout_forecast
from patron.analytics.summary import CalibrationHoldout, Summary
from patron.commerce.models import NOT_PURCHASED, OfferingKind, Order
from patron.core.bulk import insert_rows, spaced_collections
from patron.core.problems import Problem
from patron.core.runs import RunStatus
from patron.parties.models import Market, Party, Relationship, RelationshipKind

from .aggregate import PartyDays, party_days
from .models import PartyScore, ScoringRun

MODELS = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "paretonbd": ParetoNBD}
WEEK = 7.0
HORIZON_90_DAYS = 90 / WEEK

Progress = Callable[[str, float], None]  # (step description, fraction done)


class ScoringFailed(Problem):
    """The run could not score the parties (see insight.wording for the codes)."""


@spaced_collections()  # a million parties' rows: see core.bulk
def do_score(model_name: str | None = None, progress: Progress | None = None) -> ScoringRun:
    """Fit the chosen model on every party's history and store fresh scores for all of them.

    A model that does not converge is recorded as such with its reason, and the previous
    scores stay in place: a page never shows numbers from a fit that failed.
    """
    model_name = model_name or settings.PATRON_SCORE_MODEL
    if model_name not in MODELS:
        raise ScoringFailed("score.unknown_model", model=model_name, models=list(MODELS))
    report = progress or (lambda step, done: None)
    started = time.monotonic()
    today = timezone.localdate()
    run = ScoringRun.objects.create(model=model_name, observation_end=today)
    run.mark_running()
    try:
        report("aggregate", 0.05)
        days = party_days(today, partial(_calibration_end, today))
        if len(days.party_id) == 0:
            raise ScoringFailed("score.no_purchases")
        calibration_end = days.calibration_end
        summary = _summary(days, today)
        report("fit", 0.3)
        transaction_model, spend_model = _fit(model_name, summary)
        if not _settled(transaction_model):
            raise ScoringFailed("score.not_converged", model=model_name)
        run.beat()
        # Not in a thread beside the fit: their numpy calls on small arrays hold the
        # interpreter, and the run took longer that way (measured: 11.9-13.0 s against
        # 11.3-11.4 s at a million parties).
        report("holdout", 0.5)
        fit_quality, tracking = _holdout(model_name, days, today, calibration_end)
        run.beat()
        report("score", 0.7)
        rows, values = _score_rows(model_name, days, summary, transaction_model, spend_model)
        report("save", 0.9)
        with transaction.atomic():
            PartyScore.objects.all().delete()
            scored = insert_rows(PartyScore, _SCORE_FIELDS, rows, adapted=True)
            run.mark_finished(
                RunStatus.DONE,
                parties_scored=scored,
                params=json_safe(
                    {
                        "transactions": transaction_model.params_,
                        "spend": spend_model.params_ if spend_model else None,
                    }
                ),
                fit=json_safe(
                    {
                        "log_likelihood": transaction_model.log_likelihood_,
                        "standard_errors": transaction_model.standard_errors_,
                        "spend_log_likelihood": spend_model.log_likelihood_
                        if spend_model
                        else None,
                        "converged": transaction_model.converged_,
                        **fit_quality,
                    }
                ),
                tracking=json_safe(tracking),
                value_histogram=json_safe(log_histogram(values)),
                seconds=round(time.monotonic() - started, 3),
            )
    except ModelNotIdentified as exc:
        _fail(run, started, {"code": exc.code, **exc.params})
        raise ScoringFailed(exc.code, **exc.params) from None
    except ScoringFailed as exc:
        _fail(run, started, exc.message)
        raise
    except Exception as exc:
        _fail(run, started, {"code": "run.crashed", "error": type(exc).__name__})
        raise
    report("done", 1.0)
    return run


def _fail(run: ScoringRun, started: float, problem: dict[str, Any]) -> None:
    run.mark_finished(RunStatus.FAILED, problem, seconds=round(time.monotonic() - started, 3))


def _settled(model) -> bool:
    """Whether the fit gave numbers at all. A fit that stopped short of its tolerance but gave
    finite parameters (e.g. a beta distribution narrowing to one dropout rate) is kept and
    marked "converged": false for the dashboard; one with no usable numbers is refused, and
    its predictions are checked again party by party before anything is written."""
    values = list(model.params_.values())
    return np.isfinite(model.log_likelihood_) and all(
        isinstance(v, int | float) and math.isfinite(v) for v in values
    )


def json_safe(value: Any) -> Any:
    """NaN and infinities become null: JSON has no such numbers (and a database check
    constraint refuses them). A standard error that could not be computed is unknown."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.floating):
        return json_safe(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def _calibration_end(today: dt.date, first_purchase: dt.date) -> dt.date:
    """Hold out the latest quarter of the history (13 to 52 weeks) to check the forecast."""
    span = (today - first_purchase).days
    holdout = int(min(max(span * 0.25, 91), 364))
    return today - dt.timedelta(days=holdout)


def _summary(days: PartyDays, end: dt.date) -> Summary:
    frequency = days.days - 1
    repeat_spend = days.spend - days.first_day_spend
    with np.errstate(divide="ignore", invalid="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)
    end_day = np.datetime64(end, "D")
    return Summary(
        party_id=days.party_id,
        frequency=frequency,
        recency=(days.last_day - days.first_day).astype(float) / WEEK,
        T=(end_day - days.first_day).astype(float) / WEEK,
        monetary=monetary,
        first_purchase=days.first_day,
    )


def _fit(model_name: str, summary: Summary):
    transaction_model = MODELS[model_name]().fit(summary.frequency, summary.recency, summary.T)
    spenders = (summary.frequency > 0) & (summary.monetary > 0)
    try:
        spend_model = GammaGamma().fit(summary.frequency[spenders], summary.monetary[spenders])
    except ModelNotIdentified:
        spend_model = None  # too few repeat spenders: each party's own mean spend is used
    return transaction_model, spend_model


def _holdout(model_name: str, days: PartyDays, today: dt.date, calibration_end: dt.date):
    """Refit on the calibration period and compare its forecast with what happened next."""
    cal_end = np.datetime64(calibration_end, "D")
    born = days.first_day <= cal_end
    if born.sum() < 20:
        return {"holdout": None}, {}
    x = days.calibration_days[born] - 1
    t_x = (days.calibration_last_day[born] - days.first_day[born]).astype(float) / WEEK
    age = (cal_end - days.first_day[born]).astype(float) / WEEK
    try:
        model = MODELS[model_name]().fit(x, t_x, age)
    except ModelNotIdentified as exc:
        return {"holdout": None, "holdout_note": str(exc)}, {}
    calibration = Summary(
        days.party_id[born], x, t_x, age, np.zeros(born.sum()), days.first_day[born]
    )
    split = CalibrationHoldout(
        calibration=calibration,
        holdout_frequency=days.days[born] - days.calibration_days[born],
        holdout_duration=float((np.datetime64(today, "D") - cal_end).astype(float) / WEEK),
    )
    forecast = holdout_forecast(model, split)
    start = days.first_day[born].min()
    repeat_weeks = np.repeat(
        (days.repeat_day - start).astype(float) / WEEK, days.repeat_count.astype(int)
    )
    births = (days.first_day[born] - start).astype(float) / WEEK
    end_week = float((np.datetime64(today, "D") - start).astype(float) / WEEK)
    curve = cumulative_tracking(
        model,
        births,
        repeat_weeks,
        end=end_week,
        calibration_end=float((cal_end - start).astype(float) / WEEK),
    )
    quality = {
        "holdout": {
            "calibration_end": calibration_end.isoformat(),
            "weeks": round(split.holdout_duration, 1),
            "predicted_total": round(forecast.predicted_total, 1),
            "actual_total": forecast.actual_total,
            "mean_absolute_error": round(forecast.mean_absolute_error, 4),
            "parties": int(born.sum()),
        }
    }
    tracking = {
        "start": str(start),
        "calibration_end_week": curve.calibration_end,
        "actual": curve.actual.tolist(),
        "predicted": [round(v, 2) for v in curve.predicted.tolist()],
    }
    return quality, tracking


_SCORE_FIELDS = [
    "party_id",
    "frequency",
    "recency",
    "age",
    "monetary",
    "first_purchase",
    "last_purchase",
    "p_alive",
    "expected_purchases_90d",
    "expected_spend",
    "clv",
    "stage",
    "propensity",
    "propensity_reasons",
]


def _score_rows(model_name, days: PartyDays, summary: Summary, model, spend_model):
    x, t_x, age = summary.frequency, summary.recency, summary.T
    p_alive = model.probability_alive(x, t_x, age)
    expected = model.expected_purchases(HORIZON_90_DAYS, x, t_x, age)
    if not (np.all(np.isfinite(p_alive)) and np.all(np.isfinite(expected))):
        raise ScoringFailed("score.not_converged", model=model_name)
    if spend_model is not None:
        spend = spend_model.expected_spend(x, summary.monetary)
    else:
        spend = np.where(x > 0, summary.monetary, days.spend / np.maximum(days.days, 1))
    spend = np.nan_to_num(np.maximum(spend, 0.0))
    value = clv(
        model,
        x,
        t_x,
        age,
        spend,
        months=12,
        monthly_discount_rate=settings.PATRON_MONTHLY_DISCOUNT_RATE,
    )
    # The few clients and businesses are read, not every party's kind and market.
    clients = Relationship.objects.filter(kind=RelationshipKind.CLIENT)
    is_client = np.isin(summary.party_id, list(clients.values_list("party_id", flat=True)))
    businesses = Party.objects.filter(market=Market.B2B).values_list("pk", flat=True)
    is_business = np.isin(summary.party_id, list(businesses))
    stages = lifecycle_stage(x, t_x, age, p_alive, is_client, StageThresholds())
    tailored = _tailored_orders(summary.party_id)
    propensity, reasons = _propensity(
        x, p_alive, value, tailored / np.maximum(days.orders, 1), is_business, is_client
    )
    # Whole columns through tolist() (C speed), then zipped: element-wise float() calls on a
    # million parties took most of this step. Rows go to the database as it stores them
    # (dates as ISO text, reasons as JSON text): insert_rows(adapted=True).
    columns = [
        summary.party_id.tolist(),
        x.astype(int).tolist(),
        t_x.tolist(),
        age.tolist(),
        summary.monetary.tolist(),
        _iso_dates(days.first_day),
        _iso_dates(days.last_day),
        p_alive.tolist(),
        expected.tolist(),
        spend.tolist(),
        value.tolist(),
        stages.tolist(),
        np.where(is_client, None, propensity).tolist(),
        reasons,
    ]
    # Zipped as they are written: the rows stream to the database (core.bulk.insert_rows).
    return zip(*columns, strict=True), value


def _iso_dates(days: np.ndarray) -> list[str]:
    """Dates as ISO text, each distinct day formatted once: numpy's astype(str) on a million
    dates took 0.4 s, a few thousand distinct days and a gather take 0.07 s."""
    distinct, where = np.unique(days, return_inverse=True)
    return np.array(distinct.astype(str).tolist(), dtype=object)[where].tolist()


def _tailored_orders(party_ids: np.ndarray) -> np.ndarray:
    """Purchase orders with tailored work, per party (aligned with party_ids, sorted)."""
    counted = (
        Order.objects.exclude(status__in=NOT_PURCHASED)
        .filter(lines__offering__kind=OfferingKind.TAILORED)
        .values("party_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("party_id", "n")
    )
    found = np.array(list(counted), dtype=np.int64).reshape(-1, 2)
    tailored = np.zeros(len(party_ids))
    where = np.searchsorted(party_ids, found[:, 0])
    known = (where < len(party_ids)) & (
        party_ids[np.minimum(where, len(party_ids) - 1)] == found[:, 0]
    )
    tailored[where[known]] = found[known, 1]
    return tailored


def _propensity(x, p_alive, value, tailored_share, is_business, is_client):
    """Conversion propensity, and its reasons as JSON text, for customers; clients are
    converted already (no reasons). Each distinct list of reasons is written once and shared
    by the parties that have it, gathered by numpy: a loop over a million parties took 0.35 s."""
    customers = np.flatnonzero(~is_client)
    score = np.zeros(len(x))
    reasons = np.full(len(x), "[]", dtype=object)
    if len(customers):
        scored, why = conversion_propensity(
            value[customers],
            x[customers],
            p_alive[customers],
            tailored_share[customers],
            is_business[customers],
            explain_top=0.25,
        )
        score[customers] = scored
        texts = np.array([json.dumps(kind) for kind in why.lists], dtype=object)
        reasons[customers[why.parties]] = texts[why.kinds]
    return score, reasons.tolist()
