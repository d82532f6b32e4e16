"""The models reproduce the published CDNOW estimates (39-week calibration, weeks)."""

from __future__ import annotations

import numpy as np
import pytest

from patron.analytics import BetaGeo, GammaGamma, ParetoNBD, holdout_forecast


def test_summary_matches_the_papers_counts(cdnow):
    cal = cdnow.calibration
    assert len(cal) == 2357
    assert cal.frequency.sum() == 2457  # repeat purchase days in weeks 1-39
    # Customer 1 (BTYD's cdnowSummary): x = 2, t_x = 30.43, T = 38.86
    assert (cal.frequency[0], round(cal.recency[0], 2), round(cal.T[0], 2)) == (2, 30.43, 38.86)


def test_bg_nbd_reproduces_fader_hardie_lee_2005(cdnow):
    cal = cdnow.calibration
    model = BetaGeo().fit(cal.frequency, cal.recency, cal.T)
    p = model.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(model.log_likelihood_, 1) == -9582.4
    assert all(np.isfinite(list(model.standard_errors_.values())))


def test_pareto_nbd_reproduces_the_published_estimates(cdnow):
    cal = cdnow.calibration
    p = ParetoNBD().fit(cal.frequency, cal.recency, cal.T).params_
    assert (round(p["r"], 3), round(p["alpha"], 2), round(p["s"], 3), round(p["beta"], 2)) == (
        0.553,
        10.58,
        0.606,
        11.67,
    )


def test_gamma_gamma_reproduces_fader_hardie_lee_2005(cdnow):
    cal = cdnow.calibration
    p = GammaGamma().fit(cal.frequency, cal.monetary).params_
    assert (round(p["p"], 2), round(p["q"], 2), round(p["gamma"], 2)) == (6.25, 3.74, 15.44)


def test_fit_on_collapsed_triples_with_weights_equals_the_plain_fit(cdnow):
    cal = cdnow.calibration
    triples, counts = np.unique(
        np.column_stack([cal.frequency, cal.recency, cal.T]), axis=0, return_counts=True
    )
    weighted = BetaGeo().fit(*triples.T, weights=counts)
    plain = BetaGeo().fit(cal.frequency, cal.recency, cal.T)
    for name in plain.params_:
        assert weighted.params_[name] == pytest.approx(plain.params_[name], rel=1e-6)


def _holdout_purchase_days(transactions) -> int:
    party, dates, _ = transactions
    later = dates > np.datetime64("1997-09-30")
    return len(set(zip(party[later].tolist(), dates[later].tolist(), strict=True)))


def test_holdout_forecast_tracks_weeks_40_to_78(cdnow, cdnow_transactions):
    cal = cdnow.calibration
    model = BetaGeo().fit(cal.frequency, cal.recency, cal.T)
    forecast = holdout_forecast(model, cdnow)
    assert forecast.actual_total == _holdout_purchase_days(cdnow_transactions)
    # Measured: 1,653 predicted against 1,882 purchase days; the BG/NBD under-forecasts
    # CDNOW's holdout a little, as FHL (2005, fig. 2) show. A per-party naive forecast (each
    # party keeps its calibration rate) is far worse, which is the model's point.
    assert abs(forecast.predicted_total - forecast.actual_total) / forecast.actual_total < 0.15
    naive = cal.frequency / cal.T * cdnow.holdout_duration
    assert forecast.mean_absolute_error < np.mean(np.abs(naive - forecast.actual))
    assert 0.5 < forecast.mean_absolute_error < 1.0
    assert len(forecast.predicted) == len(cal)
