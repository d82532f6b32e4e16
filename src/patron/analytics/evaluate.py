"""How well a fitted model forecast a holdout period: totals, per-party error, tracking curve."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .summary import CalibrationHoldout


@dataclass(frozen=True)
class HoldoutForecast:
    predicted: np.ndarray  # expected purchases per party in the holdout
    actual: np.ndarray
    predicted_total: float
    actual_total: float
    mean_absolute_error: float


def holdout_forecast(model, split: CalibrationHoldout) -> HoldoutForecast:
    cal = split.calibration
    predicted = model.expected_purchases(split.holdout_duration, cal.frequency, cal.recency, cal.T)
    actual = split.holdout_frequency
    return HoldoutForecast(
        predicted=predicted,
        actual=actual,
        predicted_total=float(predicted.sum()),
        actual_total=float(actual.sum()),
        mean_absolute_error=float(np.mean(np.abs(predicted - actual))),
    )


@dataclass(frozen=True)
class Tracking:
    periods: np.ndarray  # 1, 2, ... in the model's time unit since the cohort's start
    actual: np.ndarray  # cumulative repeat purchases
    predicted: np.ndarray
    calibration_end: float


def cumulative_tracking(
    model, birth: np.ndarray, repeat_times: np.ndarray, *, end: float, calibration_end: float
) -> Tracking:
    """Cumulative repeat purchases of a cohort, actual against the model's expectation.

    `birth` holds each party's first purchase and `repeat_times` every repeat purchase, both
    in periods since the cohort's start: the classic tracking plot of FHL (2005, fig. 2).
    """
    periods = np.arange(1, int(np.ceil(end)) + 1, dtype=float)
    repeat = np.sort(np.asarray(repeat_times, dtype=float))
    actual = np.searchsorted(repeat, periods, side="right").astype(float)
    births, counts = np.unique(np.asarray(birth, dtype=float), return_counts=True)
    predicted = np.array(
        [
            float(np.dot(counts, model.expected_purchases_new(np.clip(t - births, 0, None))))
            for t in periods
        ]
    )
    return Tracking(periods, actual, predicted, calibration_end)
