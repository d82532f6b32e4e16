"""Lifecycle stage per party: new, active, at risk, dormant, lost.

A *client* who has gone quiet is normally dormant (clients call when they need something)
and needs a check-in, not a discount; a *customer* whose still-active probability is low is
lost. The party's own rhythm (its usual gap between purchases) decides "at risk".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STAGES = ("new", "active", "at_risk", "dormant", "lost")


@dataclass(frozen=True)
class StageThresholds:
    new_within: float = 13.0  # first purchase less than this many periods ago (weeks: a quarter)
    overdue_factor: float = 2.0  # silent for more than this many usual gaps: at risk
    lost_below: float = 0.15  # P(alive) under this: lost (customers) / dormant (clients)
    at_risk_below: float = 0.5  # P(alive) under this: at risk
    single_buyer_dormant_after: float = 52.0  # one purchase and silent this long: dormant/lost


def log_histogram(values, bins: int = 15) -> dict[str, list]:
    """Counts of positive values in bins equal on a log scale (values span orders of
    magnitude: a print buyer and a school), from the 1st percentile to the maximum."""
    positive = np.asarray(values, dtype=float)
    positive = positive[positive > 0]
    if len(positive) == 0:
        return {"edges": [], "counts": []}
    low, high = float(np.quantile(positive, 0.01)), float(positive.max())
    edges = np.geomspace(max(low, 1.0), max(high, low * 10, 10.0), bins + 1)
    counts, edges = np.histogram(np.clip(positive, edges[0], edges[-1]), bins=edges)
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def usual_gap(frequency, recency) -> np.ndarray:
    """The party's average time between purchases (NaN for one-time buyers)."""
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, t_x / np.maximum(x, 1), np.nan)


def lifecycle_stage(
    frequency, recency, T, p_alive, is_client, thresholds: StageThresholds | None = None
) -> np.ndarray:
    """An array of stage names, one per party."""
    th = thresholds or StageThresholds()
    x, t_x, age, alive = (np.asarray(v, dtype=float) for v in (frequency, recency, T, p_alive))
    client = np.asarray(is_client, dtype=bool)
    silent = age - t_x
    gap = usual_gap(x, t_x)
    overdue = np.where(x > 0, silent > th.overdue_factor * gap, silent > th.new_within)
    stage = np.full(x.shape, "active", dtype=object)
    stage[(overdue | (alive < th.at_risk_below))] = "at_risk"
    gone = (alive < th.lost_below) | ((x == 0) & (silent > th.single_buyer_dormant_after))
    stage[gone & client] = "dormant"
    stage[gone & ~client] = "lost"
    stage[age < th.new_within] = "new"
    return stage
