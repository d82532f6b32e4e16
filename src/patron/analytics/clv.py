"""Customer lifetime value: expected purchases × expected spend, discounted month by month."""

from __future__ import annotations

import numpy as np


def clv(
    transaction_model,
    frequency,
    recency,
    T,
    expected_spend,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    periods_per_month: float = 365.25 / 12 / 7,
) -> np.ndarray:
    """Discounted value of each party's purchases over the next `months`.

    Month i contributes (E[X(i months)] − E[X(i−1 months)]) · spend / (1 + d)^i, the
    discounting of Fader, Hardie & Lee (2005, "RFM and CLV") on a monthly grid.
    `periods_per_month` converts months into the model's time unit (weeks by default).
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    if monthly_discount_rate < 0:
        raise ValueError("monthly_discount_rate cannot be negative")
    spend = np.asarray(expected_spend, dtype=float)
    horizons = np.arange(1, months + 1) * periods_per_month
    discount = (1 + monthly_discount_rate) ** -np.arange(1, months + 1)
    # Σ_i d_i (E_i − E_{i−1}) = Σ_i (d_i − d_{i+1}) E_i, with d_{months+1} = 0.
    weights = discount - np.append(discount[1:], 0.0)
    if hasattr(transaction_model, "expected_purchases_combined"):
        combined = transaction_model.expected_purchases_combined(
            horizons, weights, frequency, recency, T
        )
        return combined * spend
    # Every month's cumulative expectation in one call: rows are months, columns parties.
    cumulative = transaction_model.expected_purchases(horizons[:, None], frequency, recency, T)
    return (weights @ cumulative) * spend
