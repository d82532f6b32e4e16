"""What every fitted model shares: the scikit-learn style life cycle and the optimiser."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize


class ModelNotIdentified(ValueError):
    """The data cannot pin the model down (too few parties or repeat buyers).

    The text is for a developer; ``code`` and ``params`` let a product word it for a user.
    """

    def __init__(self, text: str, code: str = "model.not_identified", **params) -> None:
        super().__init__(text)
        self.code = code
        self.params = params


class NotFittedError(RuntimeError):
    """A prediction was asked of a model that has not been fitted."""


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns, in lexicographic order, and for each row the index of
    its distinct row.

    Rows are numbered by their columns' positions among distinct values (see
    `DistinctValues`) and the numbers looked up in a table: no sort of the rows at all.
    """
    arrays = [np.asarray(c, dtype=float) for c in columns]
    n = len(arrays[0])
    if n == 0:
        return [a[:0] for a in arrays], np.zeros(0, dtype=np.intp)
    distinct = [DistinctValues(a) for a in arrays]
    space = _key_space(distinct)
    if space >= 2**62:
        return _unique_rows_by_sorting(arrays)
    keys = _row_keys(arrays, distinct, space)
    if space <= max(4 * n, 1 << 20):
        present = np.zeros(space, dtype=bool)
        present[keys] = True
        distinct_keys = np.flatnonzero(present)
        number = np.cumsum(present, dtype=np.intp)
        number -= 1
        inverse = number[keys]
    else:
        distinct_keys, inverse = np.unique(keys, return_inverse=True)
    codes = _key_codes(distinct_keys, distinct)
    return [d.values[c] for d, c in zip(distinct, codes, strict=True)], inverse.ravel()


def _unique_rows_by_sorting(arrays: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """unique_rows for columns too varied to number: lexsort (np.unique(axis=0) sorts a
    void view element by element, which measured 4x slower on a million rows)."""
    n = len(arrays[0])
    order = np.lexsort(arrays[::-1])
    starts = np.ones(n, dtype=bool)
    for array in arrays:
        ordered = array[order]
        starts[1:] &= ordered[1:] == ordered[:-1]
    starts = ~starts
    starts[0] = True
    group = np.cumsum(starts) - 1
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = group
    first = order[starts]
    return [array[first] for array in arrays], inverse


def collapse(*columns: np.ndarray, weights=None) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the given columns, with counts (summed weights) as weights.

    The likelihood of many parties sharing one (frequency, recency, T) is that party's,
    times the count: fitting on distinct rows is exact and, at scale, much faster.
    """
    rows = collapse_rows(*columns, weights=weights)
    return rows.columns(), rows.counts.astype(float, copy=False)


BLOCK = 4096  # rows per pass: a pass's temporaries stay a few tens of kilobytes each


def blocks(n: int, size: int = BLOCK):
    """Slices covering range(n), `size` rows each: passes over a million parties keep their
    temporaries small, which keeps a fit's peak memory near its distinct rows'."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def check_transactions(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    if not (x.shape == t_x.shape == age.shape):
        raise ValueError("frequency, recency and T must have the same shape")
    flat = [v.ravel() for v in (x, t_x, age)]
    for part in blocks(x.size):
        _check_block(*(v[part] for v in flat))
    return x, t_x, age


def _check_block(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> None:
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(age))):
        raise ValueError("frequency, recency and T must be finite numbers")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > age + 1e-9):
        raise ValueError("need 0 <= frequency and 0 <= recency <= T for every party")
    if np.any((x == 0) & (t_x > 0)):
        raise ValueError("recency must be 0 where frequency is 0")


class DistinctValues:
    """A column's distinct values, and each value's position among them.

    Written by hand because np.unique(return_inverse=True) sorts the whole column with its
    indices (70 ms and 16 bytes a row on a million parties). Frequencies, recencies and ages
    come from whole days, so their distinct values sit on a grid: a value's grid step, looked
    up in a small table, is its position, checked exactly; values off any grid fall back to a
    binary search.
    """

    def __init__(self, column: np.ndarray) -> None:
        # Each block's distinct values are merged in once they outnumber those merged so far:
        # a few hundred whole-day values merge every block, a million continuous ones a
        # logarithmic number of times (merging every block made that quadratic).
        values, pending, waiting = np.empty(0), [], 0
        for part in blocks(len(column)):
            pending.append(np.unique(column[part]))
            waiting += len(pending[-1])
            if waiting > len(values):
                values, pending, waiting = np.unique(np.concatenate([values, *pending])), [], 0
        if pending:
            values = np.unique(np.concatenate([values, *pending]))
        self.values = values
        self._grid = _grid_table(values)

    def __len__(self) -> int:
        return len(self.values)

    def positions(self, block: np.ndarray) -> np.ndarray:
        if self._grid is not None:
            start, step, table = self._grid
            steps = np.rint((block - start) / step)
            np.clip(steps, 0, len(table) - 1, out=steps)
            found = table[steps.astype(np.intp)]
            if np.array_equal(self.values[found], block):
                return found
        return np.searchsorted(self.values, block).astype(np.int32)


def _grid_table(values: np.ndarray) -> tuple[float, float, np.ndarray] | None:
    """(start, step, table) such that table[round((v − start)/step)] is v's position, when
    the distinct values lie on a grid not much longer than their number."""
    if len(values) < 2 or len(values) >= 2**31:
        return None
    step = float(np.min(np.diff(values)))
    steps = np.rint((values - values[0]) / step)
    if steps[-1] > 8 * len(values) + 1024 or np.any(np.diff(steps) < 1):
        return None
    table = np.zeros(int(steps[-1]) + 1, dtype=np.int32)
    table[steps.astype(np.intp)] = np.arange(len(values), dtype=np.int32)
    return float(values[0]), step, table


def bincount(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """np.bincount in blocks: it copies a small-integer index into a full-size intp array."""
    total = np.zeros(size)
    for part in blocks(len(index)):
        total += np.bincount(index[part], weights=weights[part], minlength=size)
    return total


class Collapsed:
    """Distinct (frequency, recency, T) rows with their counts, each column stored as
    positions among its distinct values (`values`), so models can evaluate terms once per
    distinct value and gather them."""

    def __init__(self, values: tuple, codes: tuple, counts: np.ndarray) -> None:
        self.values, self.codes, self.counts = values, codes, counts

    def __len__(self) -> int:
        return len(self.counts)

    def columns(self) -> list[np.ndarray]:
        return [v[c] for v, c in zip(self.values, self.codes, strict=True)]


def collapse_rows(*columns: np.ndarray, weights=None) -> Collapsed:
    """The distinct rows of the columns with their counts (summed weights), in bounded memory.

    Each row becomes one integer key from its columns' positions; the keys are sorted in
    place and counted as runs, so the peak is one small integer per row.
    """
    distinct = [DistinctValues(c) for c in columns]
    space = _key_space(distinct)
    if space >= 2**62:  # too many distinct values to number the rows: sort them instead
        (unique, inverse) = _unique_rows_by_sorting([np.asarray(c, float) for c in columns])
        w = np.ones(len(inverse)) if weights is None else np.asarray(weights, dtype=float)
        counts = np.bincount(inverse, weights=w, minlength=len(unique[0]))
        values = [np.unique(u) for u in unique]
        codes = [np.searchsorted(v, u) for v, u in zip(values, unique, strict=True)]
        return Collapsed(tuple(values), tuple(codes), counts)
    keys = _row_keys(columns, distinct, space)
    if weights is None:
        keys.sort()
        new_key = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
        starts = np.flatnonzero(new_key)
        del new_key
        # Whole numbers below 2^24 are exact in float32, which halves the largest array.
        counts = np.empty(len(starts), dtype=np.float32 if len(keys) < 2**24 else float)
        np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
        counts[-1:] = len(keys) - starts[-1:]
        unique_keys = keys[starts]
        del starts
    else:
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=np.asarray(weights, dtype=float))
    del keys
    codes = _key_codes(unique_keys, distinct)
    return Collapsed(tuple(d.values for d in distinct), tuple(codes), counts)


def _key_space(distinct: list[DistinctValues]) -> int:
    """How many row keys the columns' distinct values make (a Python int: it can be huge)."""
    space = 1
    for d in distinct:
        space *= len(d)
    return space


def _row_keys(columns, distinct: list[DistinctValues], space: int) -> np.ndarray:
    """One integer per row from its columns' positions, the first column most significant."""
    key_type = np.int32 if space < 2**31 else np.int64
    keys = np.empty(len(columns[0]), dtype=key_type)
    for part in blocks(len(keys)):
        key = np.zeros(part.stop - part.start, dtype=key_type)
        for d, column in zip(distinct, columns, strict=True):
            key *= len(d)
            key += d.positions(column[part])
        keys[part] = key
    return keys


def _key_codes(keys: np.ndarray, distinct: list[DistinctValues]) -> list[np.ndarray]:
    """The columns' positions (int32) back from row keys."""
    codes = []
    for d in reversed(distinct):
        codes.append((keys % len(d)).astype(np.int32))
        keys = keys // len(d)
    return codes[::-1]


def recency_pairs(xc, tc, ux, ut) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Each row's (x, t_x) pair index, and the pairs. Collapsed rows are sorted by (x, t_x, T),
    so a new pair starts exactly where x or t_x changes: no sort needed."""
    starts = np.ones(len(xc), dtype=bool)
    np.not_equal(xc[1:], xc[:-1], out=starts[1:])
    starts[1:] |= tc[1:] != tc[:-1]
    firsts = np.flatnonzero(starts)
    index = np.cumsum(starts, dtype=index_type(len(firsts)))
    index -= 1
    return index, (ux[xc[firsts]], ut[tc[firsts]])


def age_pairs(xc, Tc, ux, uT) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Each row's (x, T) pair index, and the pairs: numbered through a table of every
    (x, T) combination when that table is small (it is: a few hundred ages), else sorted."""
    space = len(ux) * len(uT)
    if space > max(4 * len(xc), 1 << 20):
        distinct, index = np.unique(xc.astype(np.int64) * len(uT) + Tc, return_inverse=True)
        index = index.ravel().astype(index_type(len(distinct)))
        return index, (ux[distinct // len(uT)], uT[distinct % len(uT)])
    present = np.zeros(space, dtype=bool)
    for part in blocks(len(xc)):
        present[xc[part].astype(np.intp) * len(uT) + Tc[part]] = True
    distinct = np.flatnonzero(present)
    number = np.cumsum(present, dtype=index_type(len(distinct)))
    number -= 1
    index = np.empty(len(xc), dtype=number.dtype)
    for part in blocks(len(xc)):
        index[part] = number[xc[part].astype(np.intp) * len(uT) + Tc[part]]
    return index, (ux[distinct // len(uT)], uT[distinct % len(uT)])


def index_type(n: int) -> type:
    """The narrowest integer for indices below n: one is kept per distinct row."""
    return np.int16 if n < 2**15 else np.int32


def require_repeat_buyers(x: np.ndarray, weights: np.ndarray, minimum: int = 10) -> None:
    repeat = float(weights[x > 0].sum())
    if weights.sum() < 2 * minimum or repeat < minimum:
        raise ModelNotIdentified(
            f"the model needs at least {minimum} repeat buyers among {2 * minimum}+ parties; "
            f"the data has {repeat:.0f} repeat buyers among {weights.sum():.0f} parties",
            code="model.too_few_buyers",
            minimum=minimum,
            repeat=round(repeat),
            parties=round(float(weights.sum())),
        )


class FittedModel:
    """scikit-learn's conventions: hyperparameters in __init__, learned values end in _."""

    param_names: tuple[str, ...] = ()

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(...) first")

    def _fit_log_params(
        self, objective: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray
    ) -> np.ndarray:
        """Minimise over log-parameters (so every parameter stays positive) with L-BFGS-B.

        `objective` returns the negative log-likelihood and its gradient in log-parameters.
        """
        with np.errstate(all="ignore"):
            result = minimize(
                objective,
                np.log(start),
                jac=True,
                method="L-BFGS-B",
                bounds=[(-15.0, 15.0)] * len(start),
                options={"maxiter": 3000, "ftol": 1e-14, "gtol": 1e-10},
            )
        if not np.isfinite(result.fun) or not np.all(np.isfinite(result.x)):
            raise ModelNotIdentified(
                f"{type(self).__name__}: the likelihood could not be maximised on this data",
                code="model.no_maximum",
            )
        self.converged_ = bool(result.success)
        self.n_iter_ = int(result.nit)
        return result.x

    def _store(
        self, log_params: np.ndarray, total: Callable[[np.ndarray], tuple[float, np.ndarray]]
    ) -> None:
        """Keep the parameters, the log-likelihood and standard errors, all in natural units."""
        params = np.exp(log_params)
        self.params_ = dict(zip(self.param_names, (float(p) for p in params), strict=True))
        value, gradient = total(log_params)
        self.log_likelihood_ = -float(value)
        self.standard_errors_ = dict(
            zip(self.param_names, _standard_errors(total, log_params, gradient), strict=True)
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown}, log_likelihood={self.log_likelihood_:.2f})"


def _standard_errors(
    total: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta: np.ndarray,
    gradient: np.ndarray,
) -> list[float]:
    """From the inverse Hessian of −log L in log-parameters, by the delta method.

    The Hessian is the forward difference of the gradient (one evaluation per parameter: its
    1e-5 error is far below a standard error's own precision); a singular one gives NaN
    errors, which is honest: that parameter is not identified by the data.
    """
    k = len(theta)
    step = 1e-5
    hessian = np.empty((k, k))
    with np.errstate(all="ignore"):
        for i in range(k):
            up = theta.copy()
            up[i] += step
            hessian[i] = (total(up)[1] - gradient) / step
        hessian = (hessian + hessian.T) / 2
        try:
            covariance = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            return [float("nan")] * k
    variances = np.diag(covariance)
    params = np.exp(theta)
    return [
        float(p * np.sqrt(v)) if v > 0 else float("nan")
        for p, v in zip(params, variances, strict=True)
    ]
