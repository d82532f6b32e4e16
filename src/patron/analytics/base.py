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
    """Distinct rows of the columns and, for each row, the index of its distinct row.

    Written with lexsort because np.unique(axis=0) sorts a void view element by element,
    which measured 4x slower on a million rows.
    """
    arrays = [np.asarray(c, dtype=float) for c in columns]
    n = len(arrays[0])
    if n == 0:
        return [a[:0] for a in arrays], np.zeros(0, dtype=np.int64)
    order = np.lexsort(arrays[::-1])
    starts = np.ones(n, dtype=bool)
    for array in arrays:
        ordered = array[order]
        starts[1:] &= ordered[1:] == ordered[:-1]
    starts = ~starts
    starts[0] = True
    group = np.cumsum(starts) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    first = order[starts]
    return [array[first] for array in arrays], inverse


def collapse(*columns: np.ndarray, weights=None) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the given columns, with counts (summed weights) as weights.

    The likelihood of many parties sharing one (frequency, recency, T) is that party's,
    times the count: fitting on distinct rows is exact and, at scale, much faster.
    """
    unique, inverse = unique_rows(*columns)
    w = np.ones(len(inverse)) if weights is None else np.asarray(weights, dtype=float)
    counts = np.bincount(inverse, weights=w, minlength=len(unique[0]))
    return unique, counts


def check_transactions(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    if not (x.shape == t_x.shape == age.shape):
        raise ValueError("frequency, recency and T must have the same shape")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(age))):
        raise ValueError("frequency, recency and T must be finite numbers")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > age + 1e-9):
        raise ValueError("need 0 <= frequency and 0 <= recency <= T for every party")
    if np.any((x == 0) & (t_x > 0)):
        raise ValueError("recency must be 0 where frequency is 0")
    return x, t_x, age


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
        self.log_likelihood_ = -float(total(log_params)[0])
        self.standard_errors_ = dict(
            zip(self.param_names, _standard_errors(total, log_params), strict=True)
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown}, log_likelihood={self.log_likelihood_:.2f})"


def _standard_errors(
    total: Callable[[np.ndarray], tuple[float, np.ndarray]], theta: np.ndarray
) -> list[float]:
    """From the inverse Hessian of −log L in log-parameters, by the delta method.

    The Hessian is the central difference of the analytic gradient; a singular one gives NaN
    errors, which is honest: that parameter is not identified by the data.
    """
    k = len(theta)
    step = 1e-5
    hessian = np.empty((k, k))
    with np.errstate(all="ignore"):
        for i in range(k):
            up, down = theta.copy(), theta.copy()
            up[i] += step
            down[i] -= step
            hessian[i] = (total(up)[1] - total(down)[1]) / (2 * step)
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


def numeric_gradient(function: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Central differences, for likelihoods without a closed-form gradient (Pareto/NBD)."""
    gradient = np.empty(len(theta))
    step = 1e-6
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        gradient[i] = (function(up) - function(down)) / (2 * step)
    return gradient


class Indexed:
    """Distinct values of a column and where each row's value sits among them.

    Special functions of x (gammaln, digamma) and logs of T are evaluated once per distinct
    value, then gathered: on a million parties there are only a few hundred distinct ones.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.unique, inverse = np.unique(values, return_inverse=True)
        self.index = inverse.ravel()

    def apply(self, function: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        return function(self.unique)[self.index]
