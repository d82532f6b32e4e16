"""Lifecycle stage per party (new, active, at risk, dormant, lost), and the reading of it.

One set of rules decides both the stage stored for every party and the words shown beside it,
from the same numbers, so they cannot disagree. A *client* who has gone quiet is dormant
(clients call when they need something) and needs a check-in, not a discount; a *customer*
who has gone quiet is lost.

Which numbers speak when:
- The chance that a party is still active comes from the purchase model and decides the stage
  of everyone who bought on at least two days: under an even chance is at risk, under 15% is
  gone (dormant for a client, lost for a customer). The model already weighs a party's silence
  against its own pace, so a page never says "at risk" beside "92% still active".
- For a one-time buyer the model has no evidence of a pace (BG/NBD even says 100%): their
  stage reads from their silence alone, and no chance is shown.
- A party's rhythm (its usual gap between purchases) needs at least three purchase days. It
  explains a stage ("quieter than usual: every 5 weeks, nothing for 14"), never overrules it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STAGES = ("new", "active", "at_risk", "dormant", "lost")
# Why a party is in its stage; the product words each (stage.<reason>).
STAGE_REASONS = (
    "recent_first",  # new: first purchase recent
    "at_pace",  # active
    "quiet_but_likely",  # active: quieter than its rhythm, but the model still expects it back
    "overdue",  # at risk: under an even chance, and quieter than its own rhythm
    "less_likely_active",  # at risk: the model gives under an even chance
    "single_quiet",  # at risk: bought once, silent for a while
    "unlikely_active",  # dormant / lost: the model gives little chance
    "single_long_quiet",  # dormant / lost: bought once, silent for long
)


@dataclass(frozen=True)
class StageThresholds:
    new_within: float = 13.0  # first purchase less than this many periods ago (weeks: a quarter)
    rhythm_min_purchases: int = 3  # purchase days needed before a party has a rhythm
    overdue_factor: float = 2.0  # silent for more than this many usual gaps: quieter than usual
    at_risk_below: float = 0.5  # chance still active under this: at risk
    lost_below: float = 0.15  # chance still active under this: lost (customers) / dormant
    single_buyer_quiet_after: float = 13.0  # one purchase and silent this long: at risk
    single_buyer_gone_after: float = 52.0  # one purchase and silent this long: dormant / lost


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


def usual_gap(frequency, recency, min_purchases: int = 3) -> np.ndarray:
    """The party's average time between purchases, where it has a rhythm (else NaN)."""
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    has_rhythm = x + 1 >= min_purchases
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(has_rhythm, t_x / np.maximum(x, 1), np.nan)


def lifecycle(
    frequency, recency, T, p_alive, is_client, thresholds: StageThresholds | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stage names and the reason for each, one per party (frequency = repeat purchase days)."""
    th = thresholds or StageThresholds()
    x, t_x, age, alive = (np.asarray(v, dtype=float) for v in (frequency, recency, T, p_alive))
    client = np.asarray(is_client, dtype=bool)
    silent = age - t_x
    gap = usual_gap(x, t_x, th.rhythm_min_purchases)
    repeat = x >= 1
    single = ~repeat
    with np.errstate(invalid="ignore"):
        overdue = ~np.isnan(gap) & (silent > th.overdue_factor * gap)
    stage = np.full(x.shape, "active", dtype=object)
    reason = np.full(x.shape, "at_pace", dtype=object)

    def assign(mask, stage_value, reason_value) -> None:
        stage[mask] = stage_value
        reason[mask] = reason_value

    assign(overdue, "active", "quiet_but_likely")
    unlikely = repeat & (alive < th.at_risk_below)
    assign(unlikely & ~overdue, "at_risk", "less_likely_active")
    assign(unlikely & overdue, "at_risk", "overdue")
    assign(single & (silent > th.single_buyer_quiet_after), "at_risk", "single_quiet")
    gone_by_model = repeat & (alive < th.lost_below)
    gone_by_silence = single & (silent > th.single_buyer_gone_after)
    for gone, why in ((gone_by_model, "unlikely_active"), (gone_by_silence, "single_long_quiet")):
        assign(gone & client, "dormant", why)
        assign(gone & ~client, "lost", why)
    assign(age < th.new_within, "new", "recent_first")
    return stage, reason


def lifecycle_stage(
    frequency, recency, T, p_alive, is_client, thresholds: StageThresholds | None = None
) -> np.ndarray:
    """An array of stage names, one per party."""
    return lifecycle(frequency, recency, T, p_alive, is_client, thresholds)[0]


@dataclass(frozen=True)
class ActivityReading:
    """What the page says about one party's activity: all from the same rules as its stage."""

    stage: str
    reason: str  # one of STAGE_REASONS
    purchase_days: int
    silent: float  # periods since the last purchase
    since_first: float  # periods since the first purchase
    usual_gap: float | None  # periods between purchases, for parties with a rhythm
    chance_active: float | None  # shown only for parties who bought on two days or more


def read_activity(
    frequency: float,
    recency: float,
    T: float,
    p_alive: float,
    is_client: bool,
    thresholds: StageThresholds | None = None,
) -> ActivityReading:
    th = thresholds or StageThresholds()
    stages, reasons = lifecycle([frequency], [recency], [T], [p_alive], [is_client], th)
    gap = float(usual_gap([frequency], [recency], th.rhythm_min_purchases)[0])
    return ActivityReading(
        stage=str(stages[0]),
        reason=str(reasons[0]),
        purchase_days=int(frequency) + 1,
        silent=float(T - recency),
        since_first=float(T),
        usual_gap=None if np.isnan(gap) else gap,
        chance_active=float(p_alive) if frequency >= 1 else None,
    )
