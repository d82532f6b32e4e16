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
from scipy.special import digamma, gammaln, hyp2f1

from .base import (
    Collapsed,
    FittedModel,
    age_pairs,
    bincount,
    check_transactions,
    collapse_rows,
    recency_pairs,
    require_repeat_buyers,
    unique_rows,
)


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
        rows = collapse_rows(*check_transactions(frequency, recency, T), weights=weights)
        likelihood = _Likelihood(rows, self._dropout_at_zero)
        require_repeat_buyers(likelihood.ux, likelihood.x_counts)
        # α is fitted in units of mean age / 10 so all four start near 1 (better conditioned).
        scale = max(likelihood.mean_age, 1e-9) / 10
        shift = np.array([0.0, np.log(scale), 0.0, 0.0])
        total = likelihood.total

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = likelihood(theta + shift)
            penalty = self.penalizer * np.exp(2 * theta)
            return value / total + penalty.sum(), gradient / total + 2 * penalty

        theta = self._fit_log_params(objective, np.array([0.5, 1.0, 1.0, 1.0])) + shift
        self._store(theta, likelihood)
        return self

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
        """E[X(t) | x, t_x, T]: expected purchases in the next t periods, eq. (10).

        `t` may be an array that broadcasts against the parties (e.g. a column of horizons).
        ₂F₁ depends on (x, T) only, so it is evaluated once per distinct pair.
        """
        self._check_fitted()
        x, t_x, age = check_transactions(frequency, recency, T)
        (ux, uT), index = unique_rows(x.ravel(), age.ravel())
        index = index.reshape(x.shape)
        per_pair = self._purchases_if_alive(np.asarray(t, dtype=float), ux, uT)
        return per_pair[..., index] / (1.0 + self._odds_dropped(x, t_x, age))

    def expected_purchases_combined(self, horizons, weights, frequency, recency, T):
        """Σ_k weights[k] · E[X(horizons[k]) | x, t_x, T] per party (a CLV's discounted
        months in one pass): combined over the distinct (x, T) pairs before being spread
        over the parties, so a year of months costs about what one horizon does."""
        self._check_fitted()
        x, t_x, age = check_transactions(frequency, recency, T)
        (ux, uT), index = unique_rows(x, age)
        t = np.asarray(horizons, dtype=float)[:, None]
        combined = np.asarray(weights, dtype=float) @ self._purchases_if_alive(t, ux, uT)
        return combined[index] / (1.0 + self._odds_dropped(x, t_x, age))

    def _purchases_if_alive(self, t: np.ndarray, ux: np.ndarray, uT: np.ndarray) -> np.ndarray:
        """The part of eq. (10) that depends on (x, T) alone: ₂F₁ once per distinct pair."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        shift = 0 if self._dropout_at_zero else 1
        z = t / (alpha + uT + t)
        head = (a + b + ux - shift) / (a - 1)
        tail = 1 - ((alpha + uT) / (alpha + uT + t)) ** (r + ux) * hyp2f1(
            r + ux, b + ux + 1 - shift, a + b + ux - shift, z
        )
        return head * tail

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


class _Likelihood:
    """−log L summed over collapsed rows, with its gradient in log-parameters.

    Derivatives of eq. (6) of FHL (2005): with w the posterior weight of the "dropped out"
    branch, ∂ℓ/∂r = ψ(r+x) − ψ(r) + log α − (1−w) log(α+T) − w log(α+t_x), and so on.
    The "alive" branch depends on (x, T) alone and the "dropped out" one on (x, t_x) alone,
    so both are evaluated per distinct pair; a row only gathers them and weighs them.
    """

    def __init__(self, rows: Collapsed, dropout_at_zero: bool) -> None:
        (ux, ut, uT), (xc, tc, Tc) = rows.values, rows.codes
        # float64 and intp: other types would be converted on every product and gather.
        counts = self.counts = rows.counts.astype(float, copy=False)
        recency, (self.recency_x, self.recency_t) = recency_pairs(xc, tc, ux, ut)
        age, (self.age_x, self.age_T) = age_pairs(xc, Tc, ux, uT)
        self.recency_index, self.age_index = recency.astype(np.intp), age.astype(np.intp)
        self.s0 = 1 if dropout_at_zero else 0
        self.can_drop = (self.recency_x > 0) | dropout_at_zero
        # Terms in x alone are summed per distinct x, weighted by its parties.
        self.ux, self.x_counts = ux, bincount(xc, counts, len(ux))
        self.age_counts = bincount(self.age_index, counts, len(self.age_x))
        self.total = float(counts.sum())
        self.mean_age = float(self.age_counts @ self.age_T) / self.total

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(theta)
        s0, n, ux, nx = self.s0, self.total, self.ux, self.x_counts
        log_age = np.log(alpha + self.age_T)
        alive = -(r + self.age_x) * log_age
        log_t = np.log(alpha + self.recency_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.where(self.can_drop, b + self.recency_x - 1 + s0, 1.0)
            dropped = np.where(
                self.can_drop, np.log(a) - np.log(gap) - (r + self.recency_x) * log_t, -np.inf
            )
        chosen = dropped[self.recency_index]
        branch = np.logaddexp(alive[self.age_index], chosen)
        c_dropped = self.counts * np.exp(chosen - branch)
        # Parties per pair, weighted by each branch's posterior.
        to_dropped = np.bincount(self.recency_index, c_dropped, len(dropped))
        to_alive = self.age_counts - np.bincount(self.age_index, c_dropped, len(alive))
        # The special functions, once per distinct x.
        dg_rx, dg_bx, dg_abx = digamma(r + ux), digamma(b + ux + s0), digamma(a + b + ux + s0)
        ll = (
            nx @ (gammaln(r + ux) + gammaln(b + ux + s0) - gammaln(a + b + ux + s0))
            + n * (r * np.log(alpha) - gammaln(r) + gammaln(a + b) - gammaln(b))
            + self.counts @ branch
        )
        d_r = (
            nx @ dg_rx + n * (np.log(alpha) - digamma(r)) - to_alive @ log_age - to_dropped @ log_t
        )
        d_alpha = (
            n * r / alpha
            - to_alive @ ((r + self.age_x) / (alpha + self.age_T))
            - to_dropped @ ((r + self.recency_x) / (alpha + self.recency_t))
        )
        d_a = n * digamma(a + b) - nx @ dg_abx + to_dropped.sum() / a
        d_b = nx @ (dg_bx - dg_abx) + n * (digamma(a + b) - digamma(b)) - to_dropped @ (1.0 / gap)
        gradient = -np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
        return -float(ll), gradient


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD (Batislam et al. 2007): as BG/NBD, but a party may drop out before buying again.

    `params_` = {r, alpha, a, b}.
    """

    _dropout_at_zero = True
