"""Which customers are most worth a closer, client-style relationship, and why.

The source article: keeping a client costs about five times less than winning a new one, and
clients are won by tailored service and personal contact. So rank customers by what a closer
relationship is worth with them: predicted value, repeat behaviour, whether they already buy
tailored work, whether they are still active, and (when known) how satisfied they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class PropensityWeights:
    value: float = 0.40
    repeat: float = 0.20
    alive: float = 0.15
    tailored: float = 0.15
    business: float = 0.05
    satisfaction: float = 0.05


def _percentile(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return values
    return (rankdata(values, method="average") - 0.5) / len(values)


@dataclass(frozen=True)
class Explanations:
    """The reasons of the parties explained: party `parties[i]` has the reasons
    `lists[kinds[i]]`. Parties whose reasons read the same share one list."""

    parties: np.ndarray
    kinds: np.ndarray
    lists: list[list[dict]]

    def per_party(self, count: int) -> list[list[dict]]:
        """A list of reasons for each of `count` parties. The parties not explained share one
        empty list (a million new ones cost more than the reasons): read them, never change
        them in place."""
        reasons: list[list[dict]] = [_NONE] * count
        for i, kind in zip(self.parties.tolist(), self.kinds.tolist(), strict=True):
            reasons[i] = self.lists[kind]
        return reasons


def conversion_propensity(
    clv,
    frequency,
    p_alive,
    tailored_share,
    is_business,
    satisfaction=None,
    weights: PropensityWeights | None = None,
    explain_top: float = 1.0,
) -> tuple[np.ndarray, Explanations]:
    """A score in [0, 1] per party (higher: more worth converting) and its reasons.

    Value and repeat behaviour enter as percentiles among the parties given, so the score
    ranks within the business. `satisfaction` (0–1, NaN when unknown) counts only where known.
    Reasons are written for the best `explain_top` share of parties (the candidates people
    look at); the rest have none (Explanations.per_party gives each party its list).
    """
    w = weights or PropensityWeights()
    value = np.asarray(clv, dtype=float)
    x = np.asarray(frequency, dtype=float)
    alive = np.asarray(p_alive, dtype=float)
    tailored = np.clip(np.asarray(tailored_share, dtype=float), 0, 1)
    business = np.asarray(is_business, dtype=bool)
    happy = np.full(len(value), np.nan) if satisfaction is None else np.asarray(satisfaction, float)
    value_pct, repeat_pct = _percentile(value), _percentile(x)
    known = ~np.isnan(happy)
    score = (
        w.value * value_pct
        + w.repeat * repeat_pct
        + w.alive * alive
        + w.tailored * np.minimum(1.0, 2 * tailored)
        + w.business * business
        + w.satisfaction * np.where(known, happy, 0.5)
    )
    score = np.clip(score, 0, 1)
    cutoff = np.quantile(score, 1 - explain_top) if len(score) and explain_top < 1 else -1.0
    explained = np.flatnonzero(score >= cutoff)
    columns = [c[explained] for c in (value_pct, x, alive, tailored, business, happy)]
    # Parties whose reasons read the same share one list, written once: a few thousand
    # distinct lists among a million parties, where one each cost a second.
    _, first, same = np.unique(_reason_key(*columns), return_index=True, return_inverse=True)
    written = [_reasons(*(c[i].item() for c in columns)) for i in first.tolist()]
    return score, Explanations(explained, same.ravel(), written)


def _reason_key(value_pct, x, alive, tailored, business, happy) -> np.ndarray:
    """One integer per party that is equal exactly when `_reasons` would write the same."""
    top = np.where(value_pct >= 0.9, np.maximum(1, np.round(100 * (1 - value_pct))), 25)
    parts = [
        (np.where(value_pct >= 0.75, top, -1), 7),
        (np.where(x >= 3, np.minimum(x, 2**21 - 2), -1), 21),
        (np.where(alive >= 0.8, np.round(100 * alive), -1), 7),
        (np.where(tailored > 0, np.round(100 * tailored), -1), 7),
        (business, 1),
        (np.nan_to_num(happy, nan=0.0) >= 0.8, 1),
    ]
    key = np.zeros(len(value_pct), dtype=np.int64)
    for part, bits in parts:
        key = (key << bits) + (np.asarray(part, dtype=np.int64) + (1 if bits > 1 else 0))
    return key


_NONE: list[dict] = []


def _reasons(value_pct, x, alive, tailored, business, happy) -> list[dict]:
    """Why a customer is worth a closer relationship, as messages (code and numbers)."""
    reasons: list[dict] = []
    if value_pct >= 0.75:
        top = max(1, round(100 * (1 - value_pct)))
        reasons.append({"code": "candidate.value_top", "percent": top if value_pct >= 0.9 else 25})
    if x >= 3:
        reasons.append({"code": "candidate.came_back", "days": int(x)})
    if alive >= 0.8:
        reasons.append({"code": "candidate.active", "percent": round(100 * alive)})
    if tailored > 0:
        reasons.append({"code": "candidate.buys_tailored", "percent": round(100 * tailored)})
    if business:
        reasons.append({"code": "candidate.business"})
    if happy == happy and happy >= 0.8:  # NaN (unknown) is not equal to itself
        reasons.append({"code": "candidate.satisfied"})
    return reasons
