"""BG/NBD and MBG/NBD: purchases as a Poisson process, dropout after a purchase.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
    An alternative to the Pareto/NBD model. Marketing Science, 24(2), 275–284.
Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
    models for customer base analysis. International Journal of Research in Marketing, 24(3).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from .base import FittedModel, check_transactions, collapse, require_repeat_buyers


class BetaGeo(FittedModel):
    """BG/NBD (Fader, Hardie & Lee 2005). `params_` = {r, alpha, a, b}.

    Each party buys at a Poisson rate λ ~ Gamma(r, α) while alive; after each purchase it
    drops out for good with probability p ~ Beta(a, b).
    """

    param_names = ("r", "alpha", "a", "b")
    # Whether dropout can also happen before the first repeat purchase (MBG/NBD).
    _dropout_at_zero = False

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    # -- fitting -------------------------------------------------------------------------
    def fit(self, frequency, recency, T, weights=None) -> BetaGeo:
        x, t_x, age = check_transactions(frequency, recency, T)
        (x, t_x, age), counts = collapse(x, t_x, age, weights=weights)
        require_repeat_buyers(x, counts)
        scale = max(float(np.average(age, weights=counts)), 1e-9) / 10

        def negative_ll(log_params: np.ndarray) -> float:
            r, alpha, a, b = np.exp(log_params)
            ll = self._individual_log_likelihood(r, alpha * scale, a, b, x, t_x, age)
            penalty = self.penalizer * float(np.sum(np.exp(log_params) ** 2))
            return -float(np.dot(counts, ll)) / counts.sum() + penalty

        # α is fitted in units of mean age / 10 so all four start near 1 (better conditioned).
        theta = self._fit_log_params(negative_ll, np.array([0.5, 1.0, 1.0, 1.0]))
        theta[1] += np.log(scale)

        def total_negative_ll(log_params: np.ndarray) -> float:
            r, alpha, a, b = np.exp(log_params)
            return -float(
                np.dot(counts, self._individual_log_likelihood(r, alpha, a, b, x, t_x, age))
            )

        self._store(theta, total_negative_ll)
        return self

    def _individual_log_likelihood(self, r, alpha, a, b, x, t_x, T) -> np.ndarray:
        """log L(r, α, a, b | x, t_x, T), eq. (6) of FHL (2005), in log space."""
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        if self._dropout_at_zero:
            a2 = betaln(a, b + x + 1) - betaln(a, b)
            a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
        else:
            a2 = betaln(a, b + x) - betaln(a, b)
            with np.errstate(divide="ignore", invalid="ignore"):
                a4 = np.where(
                    x > 0,
                    np.log(a)
                    - np.log(np.maximum(b + x - 1, 1e-300))
                    - (r + x) * np.log(alpha + t_x),
                    -np.inf,
                )
        a3 = -(r + x) * np.log(alpha + T)
        return a1 + a2 + np.logaddexp(a3, a4)

    # -- predictions ---------------------------------------------------------------------
    def _odds_dropped(self, x, t_x, T) -> np.ndarray:
        """a/(b+x−1) · ((α+T)/(α+t_x))^(r+x): the odds that the party has dropped out."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        shift = 0 if self._dropout_at_zero else 1
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = (
                np.log(a)
                - np.log(b + x - shift)
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
            odds = np.exp(log_odds)
        if self._dropout_at_zero:
            return odds
        return np.where(x > 0, odds, 0.0)

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(alive | x, t_x, T), eq. (11) of FHL (2005)."""
        self._check_fitted()
        x, t_x, age = check_transactions(frequency, recency, T)
        return 1.0 / (1.0 + self._odds_dropped(x, t_x, age))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[X(t) | x, t_x, T]: expected purchases in the next t periods, eq. (10)."""
        self._check_fitted()
        x, t_x, age = check_transactions(frequency, recency, T)
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        t = np.asarray(t, dtype=float)
        shift = 0 if self._dropout_at_zero else 1
        z = t / (alpha + age + t)
        head = (a + b + x - shift) / (a - 1)
        tail = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(
            r + x, b + x + 1 - shift, a + b + x - shift, z
        )
        return head * tail / (1.0 + self._odds_dropped(x, t_x, age))

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)] for a party just acquired, eq. (7) of FHL (2005)."""
        self._check_fitted()
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        t = np.asarray(t, dtype=float)
        shift = 0 if self._dropout_at_zero else 1
        # E[1/p] = (a+b−1)/(a−1) for BG/NBD; with a dropout chance before any purchase
        # (MBG/NBD) the weight is E[(1−p)/p] = b/(a−1).
        head = b / (a - 1) if self._dropout_at_zero else (a + b - 1) / (a - 1)
        z = t / (alpha + t)
        return head * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1 - shift, a + b - shift, z))


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD (Batislam et al. 2007): as BG/NBD, but a party may drop out before buying again.

    `params_` = {r, alpha, a, b}.
    """

    _dropout_at_zero = True
