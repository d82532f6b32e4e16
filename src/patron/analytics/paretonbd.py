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

from .base import FittedModel, check_transactions, collapse, require_repeat_buyers


def _log_a0(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """log A₀ of Fader & Hardie (2005, eq. 19), computed so nothing overflows.

    A₀ holds ₂F₁(r+s+x, b; r+s+x+1; z) with b = s+1 (α ≥ β) or b = r+x (α < β). Written
    directly, the second grows like (1−z)^−(r+x) and overflows for frequent buyers. Euler's
    transformation ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z) leaves a series
    bounded by 1/(1−z), and the power goes into log space.
    """
    rsx = r + s + x
    if alpha >= beta:
        high, low, b = alpha, beta, s + 1
    else:
        high, low, b = beta, alpha, r + x
    gap = high - low

    def log_term(y):
        z = gap / (high + y)
        series = hyp2f1(1.0, rsx + 1 - b, rsx + 1, z)
        # (1−z) = (low + y) / (high + y)
        return (
            np.log(series) + (1 - b) * (np.log(low + y) - np.log(high + y)) - rsx * np.log(high + y)
        )

    first, second = log_term(t_x), log_term(T)
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = first + np.log1p(-np.exp(second - first))
    return np.where(t_x < T, difference, -np.inf)


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

        def negative_ll(log_params: np.ndarray) -> float:
            r, alpha, s, beta = np.exp(log_params)
            ll = _individual_log_likelihood(r, alpha * scale, s, beta * scale, x, t_x, age)
            penalty = self.penalizer * float(np.sum(np.exp(log_params) ** 2))
            return -float(np.dot(counts, ll)) / counts.sum() + penalty

        theta = self._fit_log_params(negative_ll, np.array([0.5, 1.0, 0.5, 1.0]))
        theta[[1, 3]] += np.log(scale)

        def total_negative_ll(log_params: np.ndarray) -> float:
            r, alpha, s, beta = np.exp(log_params)
            return -float(
                np.dot(counts, _individual_log_likelihood(r, alpha, s, beta, x, t_x, age))
            )

        self._store(theta, total_negative_ll)
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


def _individual_log_likelihood(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """log L(r, α, s, β | x, t_x, T), eq. (13) of Fader & Hardie (2005)."""
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive_throughout = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    died_between = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, T)
    return head + np.logaddexp(alive_throughout, died_between)
