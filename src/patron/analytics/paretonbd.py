"""Pareto/NBD: purchases as a Poisson process, lifetimes exponential.

References
----------
Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: Who are
    they and what will they do next? Management Science, 33(1), 1–24.
Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
    expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1

from .base import (
    FittedModel,
    check_transactions,
    collapse,
    numeric_gradient,
    require_repeat_buyers,
)


def _log_a0(r, alpha, s, beta, x, t_x, T, pairs=None) -> np.ndarray:
    """log A₀ of Fader & Hardie (2005, eq. 19), computed so nothing overflows.

    A₀ holds ₂F₁(r+s+x, b; r+s+x+1; z) with b = s+1 (α ≥ β) or b = r+x (α < β). Written
    directly, the second grows like (1−z)^−(r+x) and overflows for frequent buyers. Euler's
    transformation ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z) leaves a series
    bounded by 1/(1−z), and the power goes into log space. `pairs` (from `_Pairs`) lets the
    series be evaluated once per distinct (x, t_x) and (x, T) instead of once per party.
    """
    if alpha >= beta:
        high, low, s_or_rx = alpha, beta, "s"
    else:
        high, low, s_or_rx = beta, alpha, "rx"
    gap = high - low

    def log_term(x_, y):
        rsx = r + s + x_
        b = s + 1 if s_or_rx == "s" else r + x_
        series = hyp2f1(1.0, rsx + 1 - b, rsx + 1, gap / (high + y))
        # (1−z) = (low + y) / (high + y)
        return (
            np.log(series) + (1 - b) * (np.log(low + y) - np.log(high + y)) - rsx * np.log(high + y)
        )

    if pairs is None:
        first, second = log_term(x, t_x), log_term(x, T)
    else:
        first = log_term(*pairs.recency_pairs)[pairs.recency_index]
        second = log_term(*pairs.age_pairs)[pairs.age_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = first + np.log1p(-np.exp(second - first))
    return np.where(t_x < T, difference, -np.inf)


class _Pairs:
    """Distinct (x, t_x) and (x, T) pairs, where the costly ₂F₁ series is evaluated."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
        recency, self.recency_index = np.unique(
            np.column_stack([x, t_x]), axis=0, return_inverse=True
        )
        age, self.age_index = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
        self.recency_index = self.recency_index.ravel()
        self.age_index = self.age_index.ravel()
        self.recency_pairs = (recency[:, 0], recency[:, 1])
        self.age_pairs = (age[:, 0], age[:, 1])


class ParetoNBD(FittedModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987). `params_` = {r, alpha, s, beta}.

    Each party buys at a Poisson rate λ ~ Gamma(r, α) during an exponential lifetime of
    rate μ ~ Gamma(s, β).
    """

    param_names = ("r", "alpha", "s", "beta")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency, recency, T, weights=None) -> ParetoNBD:
        x, t_x, age = check_transactions(frequency, recency, T)
        (x, t_x, age), counts = collapse(x, t_x, age, weights=weights)
        require_repeat_buyers(x, counts)
        scale = max(float(np.average(age, weights=counts)), 1e-9) / 10
        shift = np.array([0.0, np.log(scale), 0.0, np.log(scale)])
        total = counts.sum()

        pairs = _Pairs(x, t_x, age)

        def negative_ll(theta: np.ndarray) -> float:
            r, alpha, s, beta = np.exp(theta)
            ll = _individual_log_likelihood(r, alpha, s, beta, x, t_x, age, pairs)
            return -float(counts @ ll)

        # No closed-form gradient through ₂F₁'s parameters: central differences instead.
        def with_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return negative_ll(theta), numeric_gradient(negative_ll, theta)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = with_gradient(theta + shift)
            penalty = self.penalizer * np.exp(2 * theta)
            return value / total + penalty.sum(), gradient / total + 2 * penalty

        theta = self._fit_log_params(objective, np.array([0.5, 1.0, 0.5, 1.0])) + shift
        self._store(theta, with_gradient)
        return self

    def _log_odds_alive_inverse(self, x, t_x, T) -> np.ndarray:
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        return (
            np.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + T)
            + s * np.log(beta + T)
            + _log_a0(r, alpha, s, beta, x, t_x, T)
        )

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(alive | x, t_x, T), eq. (18) of Fader & Hardie (2005)."""
        self._check_fitted()
        x, t_x, age = check_transactions(frequency, recency, T)
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(self._log_odds_alive_inverse(x, t_x, age)))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[X(t) | x, t_x, T], eq. (22) of Fader & Hardie (2005)."""
        self._check_fitted()
        x, t_x, age = check_transactions(frequency, recency, T)
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        t = np.asarray(t, dtype=float)
        rate = (r + x) * (beta + age) / (alpha + age)
        return rate * _lifetime_factor(s, beta + age, t) * self.probability_alive(x, t_x, age)

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)] for a party just acquired, eq. (17) of Fader & Hardie (2005)."""
        self._check_fitted()
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        return r / alpha * beta * _lifetime_factor(s, beta, np.asarray(t, dtype=float))


def _lifetime_factor(s: float, base, t) -> np.ndarray:
    """[1 − (base/(base+t))^(s−1)] / (s−1), with its limit log(1 + t/base) at s = 1."""
    log_ratio = np.log(base) - np.log(base + t)
    if abs(s - 1) < 1e-8:
        return -log_ratio
    return -np.expm1((s - 1) * log_ratio) / (s - 1)


def _individual_log_likelihood(r, alpha, s, beta, x, t_x, T, pairs=None) -> np.ndarray:
    """log L(r, α, s, β | x, t_x, T), eq. (13) of Fader & Hardie (2005)."""
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive_throughout = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died_between = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, T, pairs)
    return head + np.logaddexp(alive_throughout, died_between)
