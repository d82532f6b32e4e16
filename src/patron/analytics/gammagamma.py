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

from .base import FittedModel, ModelNotIdentified


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
        # Not collapsed into distinct rows: mean spends are nearly all distinct, and the
        # likelihood below costs one log and one division per party.
        x, m = x[buyers], m[buyers]
        counts = np.ones(len(x)) if weights is None else np.asarray(weights, float)[buyers]
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
    """−log L of mean spends (Fader & Hardie 2013, eq. 6) and its gradient in log-parameters.

    Written for a million parties: the special functions depend on x alone and are taken once
    per distinct x (a few hundred), the terms in log m and log x once and for all; what is
    left for each party at each step is one log and one division.
    """

    def __init__(self, x: np.ndarray, m: np.ndarray, counts: np.ndarray) -> None:
        self.x, self.m, self.counts = x, m, counts
        self.cx = counts * x
        self.mx = m * x
        log_m, log_x = np.log(m), np.log(x)
        self.sum_cx_log_m = float(self.cx @ log_m)
        self.sum_c_log_m = float(counts @ log_m)
        self.sum_cx_log_x = float(self.cx @ log_x)
        self.total = float(counts.sum())
        self.x_values, where = np.unique(x, return_inverse=True)
        self.x_counts = np.bincount(where.ravel(), weights=counts)  # Σc per distinct x

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = np.exp(theta)
        c, cx = self.counts, self.cx
        log_total = np.log(gamma + self.mx)
        inverse = 1.0 / (gamma + self.mx)
        sum_c_log_total, sum_cx_log_total = float(c @ log_total), float(cx @ log_total)
        sum_c_inverse, sum_cx_inverse = float(c @ inverse), float(cx @ inverse)
        # Per distinct x, weighted by how many parties have it.
        xs, nx = self.x_values, self.x_counts
        pxs = p * xs
        psi_pxq, psi_px = digamma(pxs + q), digamma(pxs)
        log_gamma = np.log(gamma)
        ll = (
            nx @ (gammaln(pxs + q) - gammaln(pxs))
            + self.total * (q * log_gamma - gammaln(q))
            + p * self.sum_cx_log_m
            - self.sum_c_log_m
            + p * self.sum_cx_log_x
            - (p * sum_cx_log_total + q * sum_c_log_total)
        )
        d_p = (
            (nx * xs) @ (psi_pxq - psi_px)
            + self.sum_cx_log_m
            + self.sum_cx_log_x
            - sum_cx_log_total
        )
        d_q = nx @ psi_pxq + self.total * (log_gamma - digamma(q)) - sum_c_log_total
        d_gamma = self.total * q / gamma - (p * sum_cx_inverse + q * sum_c_inverse)
        gradient = -np.array([d_p * p, d_q * q, d_gamma * gamma])
        return -float(ll), gradient
