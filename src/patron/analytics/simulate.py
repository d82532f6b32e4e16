"""Drawing parties from each model's generative process, for tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Simulated:
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary: np.ndarray | None = None


def _ages(rng: np.random.Generator, n: int, T) -> np.ndarray:
    if np.ndim(T) == 0:
        return np.full(n, float(T))
    ages = np.asarray(T, dtype=float)
    if len(ages) != n:
        raise ValueError("T must be a number or have one value per party")
    return ages.copy()


def simulate(model: str, params: dict[str, float], n: int, *, T=52.0, seed: int = 0) -> Simulated:
    """Parties drawn from `model` ("bgnbd", "mbgnbd", "paretonbd") with its paper's parameters.

    Each party's first purchase is at time 0 and it is observed for T periods (a number, or
    one age per party), so the result is what `summarize` would give for their transactions.
    """
    rng = np.random.default_rng(seed)
    ages = _ages(rng, n, T)
    if model in {"bgnbd", "mbgnbd"}:
        return _beta_geometric(rng, params, ages, dropout_at_zero=model == "mbgnbd")
    if model == "paretonbd":
        return _pareto(rng, params, ages)
    raise ValueError(f"unknown model {model!r}: use bgnbd, mbgnbd or paretonbd")


def _beta_geometric(rng, params, ages, *, dropout_at_zero: bool) -> Simulated:
    n = len(ages)
    rate = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    dropout = rng.beta(params["a"], params["b"], n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)
    if dropout_at_zero:
        active &= rng.random(n) >= dropout
    # Vectorised over the parties still buying: draw the next gap, stop the censored ones,
    # count a purchase for the rest, then let each drop out with its own p.
    while active.any():
        index = np.flatnonzero(active)
        now[index] += rng.exponential(1.0 / np.maximum(rate[index], 1e-300))
        censored = now[index] > ages[index]
        buying = index[~censored]
        x[buying] += 1
        t_x[buying] = now[buying]
        active[index[censored]] = False
        active[buying[rng.random(len(buying)) < dropout[buying]]] = False
    return Simulated(x, t_x, ages)


def _pareto(rng, params, ages) -> Simulated:
    n = len(ages)
    rate = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    death = rng.gamma(params["s"], 1.0 / params["beta"], n)
    lifetime = rng.exponential(1.0 / np.maximum(death, 1e-300))
    active_for = np.minimum(lifetime, ages)
    x = rng.poisson(rate * active_for).astype(float)
    # The last of x uniform purchase times on [0, active_for] is active_for · U^(1/x).
    with np.errstate(divide="ignore"):
        last = active_for * rng.random(n) ** (1.0 / np.maximum(x, 1))
    return Simulated(x, np.where(x > 0, last, 0.0), ages)


def simulate_spend(params: dict[str, float], frequency, *, seed: int = 0) -> np.ndarray:
    """Mean spend of each party's x transactions under the Gamma-Gamma model (0 where x = 0)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(params["q"], 1.0 / params["gamma"], len(x))
    # The mean of x Gamma(p, ν) values is Gamma(p·x, ν·x).
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = rng.gamma(np.maximum(params["p"] * x, 1e-12), 1.0 / (nu * np.maximum(x, 1)))
    return np.where(x > 0, mean, 0.0)
