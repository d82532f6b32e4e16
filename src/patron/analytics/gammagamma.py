"""Gamma-Gamma model of spend per transaction.

References
----------
Colombo, R. & Jiang, W. (1999). A stochastic RFM model. Journal of Interactive Marketing, 13(3).
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
    customer base analysis. Journal of Marketing Research, 42(4), 415–430.
Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .base import FittedModel, ModelNotIdentified, collapse


class GammaGamma(FittedModel):
    """Spend per transaction z ~ Gamma(p, ν), ν ~ Gamma(q, γ). `params_` = {p, q, gamma}.

    Fitted on parties with at least one repeat purchase, from their mean repeat spend.
    """

    param_names = ("p", "q", "gamma")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency, monetary, weights=None) -> GammaGamma:
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary, dtype=float)
        if x.shape != m.shape:
            raise ValueError("frequency and monetary must have the same shape")
        buyers = x > 0
        if np.any(m[buyers] <= 0) or not np.all(np.isfinite(m[buyers])):
            raise ValueError("monetary must be positive and finite where frequency > 0")
        w = None if weights is None else np.asarray(weights, dtype=float)[buyers]
        (x, m), counts = collapse(x[buyers], m[buyers], weights=w)
        if counts.sum() < 10:
            raise ModelNotIdentified(
                f"the spend model needs at least 10 repeat buyers; the data has {counts.sum():.0f}"
            )
        scale = float(np.average(m, weights=counts))

        def negative_ll(log_params: np.ndarray) -> float:
            p, q, gamma = np.exp(log_params)
            ll = _individual_log_likelihood(p, q, gamma, x, m / scale)
            penalty = self.penalizer * float(np.sum(np.exp(log_params) ** 2))
            return -float(np.dot(counts, ll)) / counts.sum() + penalty

        # Spend is fitted in units of its mean; γ scales with spend, p and q do not.
        theta = self._fit_log_params(negative_ll, np.array([1.0, 2.0, 1.0]))
        theta[2] += np.log(scale)

        def total_negative_ll(log_params: np.ndarray) -> float:
            p, q, gamma = np.exp(log_params)
            return -float(np.dot(counts, _individual_log_likelihood(p, q, gamma, x, m)))

        self._store(theta, total_negative_ll)
        return self

    def expected_spend(self, frequency, monetary) -> np.ndarray:
        """E[M | p, q, γ, m_x, x]: expected mean spend per transaction (FHL 2005, eq. 5).

        A party without repeat purchases gets the population mean, γp/(q−1).
        """
        self._check_fitted()
        p, q, gamma = (self.params_[k] for k in self.param_names)
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary, dtype=float)
        return (gamma + m * x) * p / (p * x + q - 1)

    def population_mean_spend(self) -> float:
        self._check_fitted()
        p, q, gamma = (self.params_[k] for k in self.param_names)
        return gamma * p / (q - 1) if q > 1 else float("inf")


def _individual_log_likelihood(p, q, gamma, x, m) -> np.ndarray:
    """log f(m_x | p, q, γ, x) of the mean of x transactions (Fader & Hardie 2013, eq. 6)."""
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )
