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
from scipy.special import digamma, gammaln

from .base import FittedModel, Indexed, ModelNotIdentified, collapse


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
                f"the spend model needs at least 10 repeat buyers; the data has {counts.sum():.0f}",
                code="model.too_few_spenders",
                repeat=round(float(counts.sum())),
            )
        # Spend is fitted in units of its mean (γ scales with spend, p and q do not).
        scale = float(np.average(m, weights=counts))
        shift = np.array([0.0, 0.0, np.log(scale)])
        total = counts.sum()
        likelihood = _Likelihood(x, m, counts)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = likelihood(theta + shift)
            penalty = self.penalizer * np.exp(2 * theta)
            return value / total + penalty.sum(), gradient / total + 2 * penalty

        # Start where the implied population mean pγ/(q−1) equals the observed mean (1 in
        # these units), near typical published values: it halves the iterations.
        theta = self._fit_log_params(objective, np.array([4.0, 4.0, 0.75])) + shift
        self._store(theta, likelihood)
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


class _Likelihood:
    """−log L of mean spends (Fader & Hardie 2013, eq. 6) and its gradient in log-parameters."""

    def __init__(self, x: np.ndarray, m: np.ndarray, counts: np.ndarray) -> None:
        self.x, self.m, self.counts = x, m, counts
        self.log_m, self.log_x = np.log(m), np.log(x)
        self.by_x = Indexed(x)  # the special functions depend on x only

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = np.exp(theta)
        x, m, c = self.x, self.m, self.counts
        px = p * x
        log_total = np.log(gamma + m * x)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * self.log_m
            + px * self.log_x
            - (px + q) * log_total
        )
        psi_pxq = digamma(px + q)
        d_p = x * (psi_pxq - digamma(px) + self.log_m + self.log_x - log_total)
        d_q = psi_pxq - digamma(q) + np.log(gamma) - log_total
        d_gamma = q / gamma - (px + q) / (gamma + m * x)
        gradient = -np.array([c @ d_p * p, c @ d_q * q, c @ d_gamma * gamma])
        return -float(c @ ll), gradient
