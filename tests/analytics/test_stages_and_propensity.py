from __future__ import annotations

import datetime as dt

import numpy as np

from patron.analytics import (
    PurchaseRecord,
    StageThresholds,
    conversion_propensity,
    lifecycle_stage,
    preference_profile,
)


def test_a_quiet_client_is_dormant_but_a_quiet_customer_is_lost():
    # Same history: bought 4 times in the first 20 weeks, silent for 80 weeks since.
    args = ([4, 4], [20, 20], [100, 100], [0.05, 0.05])
    stages = lifecycle_stage(*args, is_client=[True, False])
    assert stages.tolist() == ["dormant", "lost"]


def test_stage_follows_the_partys_own_rhythm():
    # Both bought 5 times; A every 2 weeks and silent 8 weeks, B every 10 weeks and silent 8.
    stages = lifecycle_stage([5, 5], [10, 50], [18, 58], [0.6, 0.6], [False, False])
    assert stages.tolist() == ["at_risk", "active"]


def test_new_parties_are_new_whatever_else():
    stages = lifecycle_stage([0, 1], [0, 1], [2, 5], [1.0, 0.1], [False, True])
    assert stages.tolist() == ["new", "new"]


def test_thresholds_are_configurable():
    loose = StageThresholds(lost_below=0.01, at_risk_below=0.02, overdue_factor=10)
    assert lifecycle_stage([4], [20], [100], [0.05], [False], loose).tolist() == ["at_risk"]


def test_propensity_ranks_valuable_repeat_tailored_buyers_first_with_reasons():
    score, reasons = conversion_propensity(
        clv=[900_000, 50_000, 10_000, 400_000],
        frequency=[9, 1, 0, 4],
        p_alive=[0.95, 0.6, 0.2, 0.85],
        tailored_share=[0.5, 0.0, 0.0, 0.0],
        is_business=[False, False, False, True],
    )
    assert np.argsort(-score).tolist()[:2] == [0, 3]
    assert "came back 9 times" in reasons[0]
    assert any("tailored work" in r for r in reasons[0])
    assert "buys for a business" in reasons[3]
    assert np.all((score >= 0) & (score <= 1))


def test_known_satisfaction_raises_the_score():
    base = {
        "clv": [1.0, 1.0],
        "frequency": [2, 2],
        "p_alive": [0.5, 0.5],
        "tailored_share": [0, 0],
        "is_business": [False, False],
    }
    score, reasons = conversion_propensity(**base, satisfaction=[1.0, 0.0])
    assert score[0] > score[1] and "is very satisfied" in reasons[0]


def test_preference_profile_in_plain_words():
    start = dt.datetime(2024, 1, 6, 14, 0)  # a Saturday afternoon
    purchases = [
        PurchaseRecord(
            start + dt.timedelta(weeks=6 * i),
            30_000,
            "KRW",
            "web",
            i == 0,
            (("Print 4x6", "print", 10), ("Frame A4", "frame", 1)),
        )
        for i in range(5)
    ]
    profile = preference_profile(purchases)
    assert profile.favourite_offerings[0] == ("Print 4x6", 50)
    assert profile.usual_interval_days == 42
    assert (profile.preferred_channel, profile.preferred_weekday) == ("web", "Saturday")
    assert profile.discount_share == 0.2
    assert profile.summary.startswith(
        "Usually buys Print 4x6 and Frame A4, about every 6 weeks, mostly through web on "
        "Saturdays in the afternoon."
    )
    assert "30,000 KRW" in profile.summary


def test_preference_profile_without_purchases():
    assert preference_profile([]).summary == "No purchases yet."


def test_reasons_are_written_for_the_top_candidates_only():
    rng = np.random.default_rng(0)
    n = 400
    score, reasons = conversion_propensity(
        clv=rng.gamma(2, 1000, n),
        frequency=rng.integers(0, 10, n),
        p_alive=rng.random(n),
        tailored_share=np.zeros(n),
        is_business=np.zeros(n, bool),
        explain_top=0.25,
    )
    explained = np.array([bool(r) for r in reasons])
    assert explained.sum() <= n * 0.25 + 1
    assert score[explained].min() >= score[~explained].max()
