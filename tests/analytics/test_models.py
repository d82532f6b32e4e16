"""Behaviour of the models: recovery of known parameters, predictions, and clear failures."""

from __future__ import annotations

import numpy as np
import pytest

from patron.analytics import (
    BetaGeo,
    GammaGamma,
    ModelNotIdentified,
    ModifiedBetaGeo,
    NotFittedError,
    ParetoNBD,
    clv,
    simulate,
    simulate_spend,
    summarize,
)

AGES = np.random.default_rng(1).uniform(26, 78, 30_000)
CASES = [
    ("bgnbd", BetaGeo, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}),
    ("mbgnbd", ModifiedBetaGeo, {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}),
    ("paretonbd", ParetoNBD, {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}),
]


@pytest.mark.parametrize(("name", "model", "truth"), CASES)
def test_parameters_are_recovered_from_simulated_parties(name, model, truth):
    data = simulate(name, truth, len(AGES), T=AGES, seed=7)
    fitted = model().fit(data.frequency, data.recency, data.T)
    for key, value in truth.items():
        error = fitted.standard_errors_[key]
        assert abs(fitted.params_[key] - value) < 3 * error, (key, fitted.params_, error)
        assert error < 0.35 * value  # and the data pins them down


def test_gamma_gamma_recovers_spend_parameters():
    truth = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    x = simulate("bgnbd", CASES[0][2], 60_000, T=52, seed=3).frequency
    fitted = GammaGamma().fit(x, simulate_spend(truth, x, seed=4))
    for key, value in truth.items():
        assert abs(fitted.params_[key] - value) < 3 * fitted.standard_errors_[key]


@pytest.mark.parametrize(("name", "model", "truth"), CASES)
def test_expected_purchases_match_the_simulated_future(name, model, truth):
    """Forecast the next 26 weeks of simulated parties and compare with what they did."""
    data = simulate(name, truth, 20_000, T=78, seed=11)
    fitted = model().fit(data.frequency, data.recency, np.full(20_000, 78.0))
    new = fitted.expected_purchases_new(78.0)
    assert new == pytest.approx(data.frequency.mean(), rel=0.05)


def test_pareto_nbd_stays_finite_for_heavy_buyers_and_long_ages():
    model = ParetoNBD().fit(*_cdnow_like())
    x = np.array([0, 1, 50, 500, 5000, 20000], dtype=float)
    t_x = np.array([0, 10, 300, 900, 9_000, 19_999], dtype=float)
    T = np.array([20, 1000, 1000, 1000, 10_000, 20_000], dtype=float)
    alive = model.probability_alive(x, t_x, T)
    expected = model.expected_purchases(52, x, t_x, T)
    assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)


def _cdnow_like():
    data = simulate(
        "paretonbd", {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}, 3000, T=39, seed=2
    )
    return data.frequency, data.recency, data.T


def test_probability_alive_falls_with_silence():
    model = BetaGeo().fit(*_cdnow_like())
    alive = model.probability_alive([5, 5, 5], [38, 20, 5], [39, 39, 39])
    assert alive[0] > alive[1] > alive[2]


def test_predictions_before_fit_raise_a_clear_error():
    with pytest.raises(NotFittedError, match="not fitted"):
        BetaGeo().probability_alive([1], [1], [2])


def test_too_few_repeat_buyers_is_a_clear_error_not_nan():
    with pytest.raises(ModelNotIdentified, match="repeat buyers"):
        BetaGeo().fit([0] * 50 + [1] * 3, [0] * 50 + [1] * 3, [10] * 53)


def test_inconsistent_data_is_refused():
    with pytest.raises(ValueError, match="recency <= T"):
        BetaGeo().fit([1, 2], [5, 9], [4, 10])


def test_clv_discounts_and_grows_with_horizon():
    model = BetaGeo().fit(*_cdnow_like())
    spend = np.array([30.0, 30.0])
    args = ([3, 3], [30, 30], [39, 39], spend)
    one_year = clv(model, *args, months=12, monthly_discount_rate=0.01)
    two_years = clv(model, *args, months=24, monthly_discount_rate=0.01)
    undiscounted = clv(model, *args, months=12, monthly_discount_rate=0.0)
    assert np.all(two_years > one_year) and np.all(undiscounted > one_year)
    expected = model.expected_purchases(12 * 365.25 / 12 / 7, 3, 30, 39) * 30
    assert undiscounted[0] == pytest.approx(expected)


def test_summarize_counts_same_day_purchases_once_and_sums_them():
    summary = summarize(
        ["a", "a", "a", "b"],
        ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
        [10, 5, 30, 7],
        observation_end="2024-01-29",
    )
    assert summary.party_id.tolist() == ["a", "b"]
    assert summary.frequency.tolist() == [1, 0]
    assert summary.recency.tolist() == [2, 0]
    assert summary.T.tolist() == [4, 3]
    assert summary.monetary.tolist() == [30, 0]


@pytest.mark.parametrize(("name", "model", "truth"), CASES)
def test_the_fit_on_weighted_distinct_rows_equals_the_fit_on_every_party(name, model, truth):
    data = simulate(name, truth, 5000, T=np.round(AGES[:5000] * 7) / 7, seed=5)
    rows = np.column_stack([data.frequency, data.recency, data.T])
    triples, counts = np.unique(rows, axis=0, return_counts=True)
    plain = model().fit(data.frequency, data.recency, data.T)
    weighted = model().fit(*triples.T, weights=counts)
    for key in truth:
        assert weighted.params_[key] == pytest.approx(plain.params_[key], rel=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-9)


def test_pareto_nbd_log_likelihood_is_the_sum_over_parties_at_its_maximum():
    """The fitted likelihood is eq. (13) of Fader & Hardie (2005) summed over the parties,
    and no nearby parameters do better: the gradient the fit follows is the true one."""
    from patron.analytics.paretonbd import _individual_log_likelihood

    x, t_x, T = _cdnow_like()
    model = ParetoNBD().fit(x, t_x, T)
    params = [model.params_[k] for k in ("r", "alpha", "s", "beta")]
    assert model.log_likelihood_ == pytest.approx(
        _individual_log_likelihood(*params, x, t_x, T).sum(), rel=1e-12
    )
    for i in range(4):
        for factor in (0.999, 1.001):
            moved = list(params)
            moved[i] *= factor
            assert _individual_log_likelihood(*moved, x, t_x, T).sum() < model.log_likelihood_


@pytest.mark.parametrize("alpha_above_beta", [True, False])
def test_pareto_nbd_gradient_matches_finite_differences(alpha_above_beta):
    from patron.analytics.paretonbd import _Likelihood

    likelihood = _Likelihood(*_cdnow_like())
    theta = np.log([0.7, 12.0, 0.4, 6.0] if alpha_above_beta else [0.4, 5.0, 1.3, 20.0])
    _, gradient = likelihood(theta)
    step = 1e-5
    numeric = [
        (likelihood(theta + step * e)[0] - likelihood(theta - step * e)[0]) / (2 * step)
        for e in np.eye(4)
    ]
    assert gradient == pytest.approx(numeric, rel=1e-5, abs=1e-3)
