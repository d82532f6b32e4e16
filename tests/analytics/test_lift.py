"""The holdout arithmetic, on purchases simulated with a known effect of sending."""

from __future__ import annotations

import numpy as np
import pytest

from patron.analytics.lift import in_holdout, mean_lift, proportion_lift


def test_a_known_difference_of_rates_is_inside_its_interval_about_95_times_in_100():
    rng = np.random.default_rng(7)
    true_sent, true_held, n_sent, n_held = 0.13, 0.10, 1800, 200  # a 10% holdout
    covered = 0
    for _ in range(1000):
        lift = proportion_lift(
            int(rng.binomial(n_sent, true_sent)),
            n_sent,
            int(rng.binomial(n_held, true_held)),
            n_held,
        )
        covered += lift.low <= true_sent - true_held <= lift.high
    assert 0.93 <= covered / 1000 <= 0.975


def test_a_large_effect_is_seen_and_no_effect_is_not_claimed():
    clear = proportion_lift(300, 1000, 10, 1000)
    assert clear.verdict == "up" and clear.difference == pytest.approx(0.29)
    rng = np.random.default_rng(3)
    claimed = 0
    for _ in range(400):
        same = proportion_lift(int(rng.binomial(900, 0.2)), 900, int(rng.binomial(100, 0.2)), 100)
        claimed += same.verdict != "unclear"
    assert claimed / 400 <= 0.08  # about 5% by chance, not more


def test_revenue_per_party_with_a_known_lift_is_inside_its_interval():
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(400):
        # Each buys with probability 0.3 (sent) or 0.25 (held), spending ~ 50,000 on average.
        sent = rng.binomial(1, 0.30, 4000) * rng.exponential(50_000, 4000)
        held = rng.binomial(1, 0.25, 1000) * rng.exponential(50_000, 1000)
        lift = mean_lift(sent, held)
        covered += lift.low <= 0.05 * 50_000 <= lift.high
        assert lift.enough
    assert 0.92 <= covered / 400 <= 0.98


def test_few_buyers_say_the_revenue_interval_is_not_to_be_trusted():
    sent = np.array([0.0] * 50 + [40_000.0] * 3)
    held = np.array([0.0] * 10 + [10_000.0])
    assert not mean_lift(sent, held).enough


def test_the_holdout_is_the_share_asked_for_and_the_same_every_time():
    drawn = [in_holdout("campaign:7", pk, 10) for pk in range(1, 20_001)]
    assert 0.09 <= sum(drawn) / len(drawn) <= 0.11
    assert drawn == [in_holdout("campaign:7", pk, 10) for pk in range(1, 20_001)]
    other = [in_holdout("campaign:8", pk, 10) for pk in range(1, 20_001)]
    assert other != drawn  # each mailing draws its own
    assert not any(in_holdout("campaign:7", pk, 0) for pk in range(1, 1000))
