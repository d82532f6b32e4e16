"""What every fitted model shares: the scikit-learn style life cycle and the optimiser."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize


class ModelNotIdentified(ValueError):
    """The data cannot pin the model down (too few parties or repeat buyers)."""


class NotFittedError(RuntimeError):
    """A prediction was asked of a model that has not been fitted."""


def collapse(*columns: np.ndarray, weights=None) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the given columns, with counts (summed weights) as weights.

    The likelihood of many parties sharing one (frequency, recency, T) is that party's,
    times the count: fitting on distinct rows is exact and, at scale, much faster.
    """
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    w = np.ones(len(stacked)) if weights is None else np.asarray(weights, dtype=float)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=w, minlength=len(unique))
    return [unique[:, i] for i in range(unique.shape[1])], counts


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
            f"the data has {repeat:.0f} repeat buyers among {weights.sum():.0f} parties"
        )


class FittedModel:
    """scikit-learn's conventions: hyperparameters in __init__, learned values end in _."""

    param_names: tuple[str, ...] = ()

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(...) first")

    def _fit_log_params(
        self, negative_ll: Callable[[np.ndarray], float], start: np.ndarray
    ) -> np.ndarray:
        """Minimise over log-parameters (so every parameter stays positive) with L-BFGS-B."""
        with np.errstate(all="ignore"):
            result = minimize(
                negative_ll,
                np.log(start),
                method="L-BFGS-B",
                bounds=[(-15.0, 15.0)] * len(start),
                options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
            )
        if not np.isfinite(result.fun) or not np.all(np.isfinite(result.x)):
            raise ModelNotIdentified(
                f"{type(self).__name__}: the likelihood could not be maximised on this data"
            )
        self.converged_ = bool(result.success)
        self.n_iter_ = int(result.nit)
        return result.x

    def _store(self, log_params: np.ndarray, negative_ll: Callable[[np.ndarray], float]) -> None:
        params = np.exp(log_params)
        self.params_ = dict(zip(self.param_names, (float(p) for p in params), strict=True))
        self.log_likelihood_ = -float(negative_ll(log_params))
        self.standard_errors_ = dict(
            zip(self.param_names, _standard_errors(negative_ll, log_params), strict=True)
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}()"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown}, log_likelihood={self.log_likelihood_:.2f})"


def _standard_errors(negative_ll: Callable[[np.ndarray], float], theta: np.ndarray) -> list[float]:
    """From the inverse Hessian of −log L in log-parameters, by the delta method.

    The Hessian is taken by central differences; a singular one gives NaN errors, which is
    honest: the parameter is not identified by the data.
    """
    k = len(theta)
    step = 1e-4
    hessian = np.empty((k, k))
    with np.errstate(all="ignore"):
        for i in range(k):
            for j in range(i, k):

                def shifted(di: float, dj: float, i=i, j=j) -> float:
                    point = theta.copy()
                    point[i] += di
                    point[j] += dj
                    return negative_ll(point)

                value = (
                    shifted(step, step)
                    - shifted(step, -step)
                    - shifted(-step, step)
                    + shifted(-step, -step)
                ) / (4 * step * step)
                hessian[i, j] = hessian[j, i] = value
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
