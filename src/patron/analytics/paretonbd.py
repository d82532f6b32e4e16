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
from scipy.special import digamma, gammaln, hyp2f1

from .base import (
    FittedModel,
    age_pairs,
    bincount,
    blocks,
    check_transactions,
    collapse_rows,
    recency_pairs,
    require_repeat_buyers,
)


def _log_a0(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """log A₀ of Fader & Hardie (2005, eq. 19), computed so nothing overflows.

    A₀ holds ₂F₁(r+s+x, b; r+s+x+1; z) with b = s+1 (α ≥ β) or b = r+x (α < β). Written
    directly, the second grows like (1−z)^−(r+x) and overflows for frequent buyers. Euler's
    transformation ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z) leaves a series
    bounded by 1/(1−z), and the power goes into log space (`_PairTerms`). A₀ is the
    difference of that at y = t_x and at y = T.
    """
    x, t_x, T = np.broadcast_arrays(x, t_x, T)
    first = _PairTerms(x.ravel(), t_x.ravel()).values(r, alpha, s, beta).reshape(x.shape)
    second = _PairTerms(x.ravel(), T.ravel()).values(r, alpha, s, beta).reshape(x.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = first + np.log1p(-np.exp(second - first))
    return np.where(t_x < T, difference, -np.inf)


def _call_block(n: int) -> int:
    """Pairs or rows per block in a likelihood call: all at once while few (numpy's per-call
    cost is what counts there), else a thirty-second of them, 512 to 4,096, so a call's
    temporaries stay a small part of what the fit keeps (its peak memory)."""
    return n if n <= 2048 else max(512, min(4096, n // 32))


class _PairTerms:
    """log A₀'s two halves, L(x, y) for y = t_x or T, per distinct pair, and their gradients.

    Fader & Hardie's A₀ is L(x, t_x) − L(x, T) in linear space; the ₂F₁ series inside L
    costs most of a fit, so it is evaluated once per distinct (x, y) pair, and its
    derivatives come from the chain rule: d/dz in closed form, d/dp and d/dc (no closed
    form) by forward differences of the series alone. Values are kept per pair; gradients
    are summed into the parameters' block by block (a fit's peak memory is what it holds).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self._kept: tuple | None = None

    def _terms(self, r, alpha, s, beta, part: slice, values=None) -> tuple:
        """What L and its gradient share for the pairs in `part`: the series' arguments
        p, c, z after Euler's transformation (see `_log_a0`), the series, log(α+y), log(β+y).
        With `values` (L of every pair), the series is recovered from them, not summed again.
        """
        x, y = self.x[part], self.y[part]
        c = r + s + 1 + x
        z = abs(alpha - beta) / ((alpha if alpha >= beta else beta) + y)
        p = r + x if alpha >= beta else s + 1.0
        log_alpha_y, log_beta_y = np.log(alpha + y), np.log(beta + y)
        if values is None:
            series = hyp2f1(1.0, p, c, z)
        else:
            rest = _powers(r, alpha, s, beta, x, log_alpha_y, log_beta_y)
            series = np.exp(values[part] - rest)
        return x, p, c, z, series, log_alpha_y, log_beta_y

    def values(self, r, alpha, s, beta) -> np.ndarray:
        """L per pair."""
        n = len(self.x)
        out = np.empty(n)
        self._kept = None
        for part in blocks(n, _call_block(n)):
            terms = self._terms(r, alpha, s, beta, part)
            x, _, _, _, series, log_alpha_y, log_beta_y = terms
            out[part] = np.log(series) + _powers(r, alpha, s, beta, x, log_alpha_y, log_beta_y)
            if part.stop - part.start == n:
                # Few pairs, one block: kept for the gradient (numpy's per-call cost counts).
                self._kept = (r, alpha, s, beta), terms
        return out

    def gradient(self, r, alpha, s, beta, values, weights) -> np.ndarray:
        """Σ weights · ∇L over the pairs, in (log r, log α, log s, log β)."""
        total = np.zeros(4)
        n = len(self.x)
        for part in blocks(n, _call_block(n)):
            if self._kept is not None and self._kept[0] == (r, alpha, s, beta):
                terms = self._kept[1]
            else:
                terms = self._terms(r, alpha, s, beta, part, values)
            x, p, c, z, series, log_alpha_y, log_beta_y = terms
            logs = np.log(series)
            d_z = _log_series_slope(p, c, z, series)
            step = 1e-7  # forward differences: the series is smooth in p and c
            d_c = (np.log(hyp2f1(1.0, p, c + step, z)) - logs) / step
            d_p_c = (np.log(hyp2f1(1.0, p + step, c, z)) - logs) / step + d_c
            y = self.y[part]
            inverse_alpha_y, inverse_beta_y = 1 / (alpha + y), 1 / (beta + y)
            if alpha >= beta:
                rows = (
                    d_p_c - log_alpha_y,
                    (d_z * (beta + y) * inverse_alpha_y - p) * inverse_alpha_y,
                    d_c - log_beta_y,
                    -d_z * inverse_alpha_y - s * inverse_beta_y,
                )
            else:
                rows = (
                    d_c - log_alpha_y,
                    (1 - r - x) * inverse_alpha_y - d_z * inverse_beta_y,
                    d_p_c - log_beta_y,
                    (d_z * (alpha + y) * inverse_beta_y - p) * inverse_beta_y,
                )
            total += np.stack(rows) @ weights[part]
        return total * (r, alpha, s, beta)


def _powers(r, alpha, s, beta, x, log_alpha_y, log_beta_y) -> np.ndarray:
    """L − log ₂F₁: the powers of (α+y) and (β+y) in front of the series."""
    if alpha >= beta:  # A₀ with b = s + 1: L = log ₂F₁ − s log(β+y) − (r+x) log(α+y)
        return -s * log_beta_y - (r + x) * log_alpha_y
    # b = r + x: L = log ₂F₁ + (1−r−x) log(α+y) − (s+1) log(β+y)
    return (1 - r - x) * log_alpha_y - (s + 1) * log_beta_y


def _log_series_slope(p, c, z, series) -> np.ndarray:
    """d/dz log ₂F₁(1, p; c; z), from ₂F₁ itself.

    Gauss's contiguous relation (DLMF 15.5.11, with ₂F₁(0, p; c; z) = 1) and z·F′ =
    a·[F(a+1) − F(a)] (term by term from the series) give z·F′/F = [(c−1)(1/F − 1) + p·z]
    / (1 − z), which saves a second series per pair. Near z = 0 that difference cancels, so
    the Taylor slope is used there.
    """
    first = p / c
    slope = first * (1 + (2 * (p + 1) / (c + 1) - first) * z)  # Taylor, kept where z < 1e-6
    exact = (c - 1) * (1 / series - 1) + p * z
    return np.divide(exact, z * (1 - z), out=slope, where=z >= 1e-6)


# The search runs over (log r, log α/r, log s, log β/s): r and α move together along the
# likelihood's ridge (their ratio is the mean purchase rate), s and β likewise, and apart
# they take a third fewer steps to converge (measured on CDNOW and simulated sets).
_FROM_SEARCH = np.array([[1.0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]])


class ParetoNBD(FittedModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987). `params_` = {r, alpha, s, beta}.

    Each party buys at a Poisson rate λ ~ Gamma(r, α) during an exponential lifetime of
    rate μ ~ Gamma(s, β).
    """

    param_names = ("r", "alpha", "s", "beta")

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency, recency, T, weights=None) -> ParetoNBD:
        likelihood = _Likelihood(*check_transactions(frequency, recency, T), weights)
        scale = likelihood.mean_age / 10
        shift = np.array([0.0, np.log(scale), 0.0, np.log(scale)])
        total = likelihood.total

        def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
            theta = _FROM_SEARCH @ u
            value, gradient = likelihood(theta + shift)
            penalty = self.penalizer * np.exp(2 * theta)
            return value / total + penalty.sum(), _FROM_SEARCH.T @ (gradient / total + 2 * penalty)

        start = np.exp(np.linalg.solve(_FROM_SEARCH, np.log([0.5, 1.0, 0.5, 1.0])))
        theta = _FROM_SEARCH @ self._fit_log_params(objective, start) + shift
        self._store(theta, likelihood)
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


class _Likelihood:
    """−log L of eq. (13) summed over the parties, with its gradient in log-parameters.

    Parties are collapsed into distinct (x, t_x, T) rows, stored as the indices of their
    (x, t_x) and (x, T) pairs; everything costly is evaluated per pair, and rows and pairs
    are walked in blocks, so a million parties cost a few bytes each and no full-size
    temporary. With w the posterior weight of "died between t_x and T" and q = A₀'s second
    half over its first, a row's gradient is ∇H + (1−w)·∇A + w·(∇C + (∇L₁ − q∇L₂)/(1−q)).
    """

    def __init__(self, x, t_x, T, weights=None) -> None:
        rows = collapse_rows(x, t_x, T, weights=weights)
        (ux, ut, uT), (xc, tc, Tc), counts = rows.values, rows.codes, rows.counts
        del rows  # and each code array as soon as it is used up: the peak is counted here
        require_repeat_buyers(ux, bincount(xc, counts, len(ux)))
        self.counts, self.total = counts, float(counts.sum())
        age_totals = bincount(Tc, counts, len(uT))
        self.mean_age = max(float(age_totals @ uT) / self.total, 1e-9)
        self.recency_index, (recency_x, recency_t) = recency_pairs(xc, tc, ux, ut)
        del tc
        self.age_index, (self.age_x, self.age_T) = age_pairs(xc, Tc, ux, uT)
        del xc, Tc
        self.n_recency, self.n_age = len(recency_x), len(self.age_x)
        # Both halves in one evaluation: on small data, numpy's per-call cost is what counts.
        self.pairs = _PairTerms(
            np.concatenate([recency_x, self.age_x]), np.concatenate([recency_t, self.age_T])
        )
        self.age_counts = bincount(self.age_index, counts, self.n_age)
        self._last: tuple | None = None

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        # The optimiser's last point is asked for again (the log-likelihood kept): answered
        # from memory, a whole evaluation saved.
        if self._last is not None and np.array_equal(self._last[0], theta):
            return self._last[1]
        answer = self._evaluate(theta)
        self._last = theta.copy(), answer
        return answer

    def _evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, s, beta = np.exp(theta)
        n_age, n_recency = self.n_age, self.n_recency
        halves = self.pairs.values(r, alpha, s, beta)
        first, second = halves[:n_recency], halves[n_recency:]
        ages = _AgeTerms(r, alpha, s, beta, self.age_x, self.age_T)
        to_died = np.zeros(n_age)
        to_halves = np.zeros(n_recency + n_age)
        value = ages.head(self.age_counts)
        # Where t_x = T the two halves are one number, q = 1, and log1p(−1) = −inf: "died
        # between" is impossible and the row weighs nothing on that branch.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for part in blocks(len(self.counts), _call_block(len(self.counts))):
                value += self._rows(part, first, second, ages, to_died, to_halves)
        to_alive = self.age_counts - to_died
        gradient = ages.gradient(self.age_counts, to_alive, to_died) + self.pairs.gradient(
            r, alpha, s, beta, halves, to_halves
        )
        return -value, -gradient

    def _rows(self, part: slice, first, second, ages, to_died, to_halves) -> float:
        """The rows in `part`: their log-likelihood, and each branch's weight added to its
        pairs (`to_died` per (x, T); `to_halves` per (x, t_x), then per (x, T))."""
        n_recency = self.n_recency
        ai, ri, c = self.age_index[part], self.recency_index[part], self.counts[part]
        first_half = first[ri]
        q = np.exp(second[ai] - first_half)
        died_between = ages.died[ai] + first_half + np.log1p(-q)
        branch = np.logaddexp(ages.alive[ai], died_between)
        c_died = c * np.exp(died_between - branch)
        share = np.divide(c_died, 1 - q, out=np.zeros_like(c_died), where=q < 1)
        to_died += np.bincount(ai, weights=c_died, minlength=len(to_died))
        to_halves[n_recency:] -= np.bincount(ai, weights=share * q, minlength=len(to_died))
        to_halves[:n_recency] += np.bincount(ri, weights=share, minlength=n_recency)
        return float(c @ branch)


class _AgeTerms:
    """Per (x, T) pair: log "alive throughout" and log(s/(r+s+x)) of eq. (13); their
    gradients, and the head's, are summed straight into the parameters' (none is kept per
    pair, as a fit's peak memory is what it holds during a likelihood call)."""

    def __init__(self, r, alpha, s, beta, x, T) -> None:
        self.params, self.x, self.T = (r, alpha, s, beta), x, T
        self.alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        self.died = np.log(s) - np.log(r + s + x)

    def head(self, counts: np.ndarray) -> float:
        """Σ counts · [log Γ(r+x) − log Γ(r) + r log α + s log β]."""
        r, alpha, s, beta = self.params
        constant = -gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        return float(counts @ gammaln(r + self.x) + counts.sum() * constant)

    def gradient(self, counts, to_alive, to_died) -> np.ndarray:
        """Σ counts·∇head + Σ to_alive·∇alive + Σ to_died·∇died, in log-parameters."""
        r, alpha, s, beta = self.params
        x, T, n = self.x, self.T, counts.sum()
        head = [
            r * (counts @ digamma(r + x) - n * digamma(r) + n * np.log(alpha)),
            r * n,
            s * n * np.log(beta),
            s * n,
        ]
        alive = [
            -r * (to_alive @ np.log(alpha + T)),
            -alpha * (to_alive @ ((r + x) / (alpha + T))),
            -s * (to_alive @ np.log(beta + T)),
            -beta * s * (to_alive @ (1.0 / (beta + T))),
        ]
        by_rsx = to_died @ (1.0 / (r + s + x))
        died = [-r * by_rsx, 0.0, to_died.sum() - s * by_rsx, 0.0]
        return np.array(head) + np.array(alive) + np.array(died)
