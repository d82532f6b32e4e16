from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from patron.analytics import (
    STAGE_REASONS,
    PurchaseRecord,
    StageThresholds,
    conversion_propensity,
    lifecycle_stage,
    preference_profile,
    read_activity,
)


def test_a_quiet_client_is_dormant_but_a_quiet_customer_is_lost():
    # Same history: bought 4 times in the first 20 weeks, silent for 80 weeks since.
    args = ([4, 4], [20, 20], [100, 100], [0.05, 0.05])
    stages = lifecycle_stage(*args, is_client=[True, False])
    assert stages.tolist() == ["dormant", "lost"]


def test_the_rhythm_explains_the_stage_but_never_overrules_the_chance():
    # Both bought on 6 days; A every 2 weeks and silent 8 weeks, B every 10 weeks and silent 8.
    a = read_activity(5, 10, 18, 0.6, False)
    b = read_activity(5, 50, 58, 0.6, False)
    assert (a.stage, a.reason) == ("active", "quiet_but_likely")
    assert (b.stage, b.reason) == ("active", "at_pace")
    # Quieter than its rhythm and under an even chance: at risk, and the words say why.
    c = read_activity(5, 10, 18, 0.3, False)
    assert (c.stage, c.reason) == ("at_risk", "overdue")


def test_new_parties_are_new_whatever_else():
    stages = lifecycle_stage([0, 1], [0, 1], [2, 5], [1.0, 0.1], [False, True])
    assert stages.tolist() == ["new", "new"]


def test_a_rhythm_needs_three_purchases():
    # Two purchase days two weeks apart, silent 18 weeks since: no rhythm to be overdue from.
    assert lifecycle_stage([1], [2], [20], [0.9], [False]).tolist() == ["active"]
    reading = read_activity(1, 2, 20, 0.9, False)
    assert reading.usual_gap is None and reading.purchase_days == 2
    # Three purchase days two weeks apart, silent 16 weeks: quieter than its own rhythm.
    reading = read_activity(2, 4, 20, 0.9, False)
    assert (reading.stage, reading.reason, reading.usual_gap) == ("active", "quiet_but_likely", 2.0)


def test_a_one_time_buyer_reads_from_silence_not_from_the_model():
    # BG/NBD says 100% for anyone who bought once; the page must not repeat that.
    reading = read_activity(0, 0, 60, 1.0, is_client=True)
    assert (reading.stage, reading.reason) == ("dormant", "single_long_quiet")
    assert reading.chance_active is None
    assert read_activity(0, 0, 20, 1.0, False).stage == "at_risk"
    assert read_activity(0, 0, 60, 1.0, False).stage == "lost"


@given(
    frequency=st.integers(0, 40),
    recency=st.floats(0, 150),
    silence=st.floats(0, 150),
    p_alive=st.floats(0, 1),
    is_client=st.booleans(),
)
def test_the_words_always_agree_with_the_stage(frequency, recency, silence, p_alive, is_client):
    recency = recency if frequency else 0.0
    age = recency + silence
    reading = read_activity(frequency, recency, age, p_alive, is_client)
    stage = lifecycle_stage([frequency], [recency], [age], [p_alive], [is_client])[0]
    assert reading.stage == stage and reading.reason in STAGE_REASONS
    th = StageThresholds()
    chance = reading.chance_active
    if reading.stage in ("active", "new"):
        assert chance is None or chance >= th.at_risk_below or reading.stage == "new"
    if reading.stage == "at_risk":
        assert (chance is not None and chance < th.at_risk_below) or chance is None
    if reading.reason in ("overdue", "quiet_but_likely"):
        assert reading.silent > th.overdue_factor * reading.usual_gap
    if reading.reason == "at_pace" and reading.usual_gap is not None:
        assert reading.silent <= th.overdue_factor * reading.usual_gap
    if reading.reason in ("less_likely_active", "unlikely_active"):
        assert chance is not None and chance < th.at_risk_below
    if reading.stage in ("dormant", "lost"):
        assert (chance is not None and chance < th.lost_below) or (
            chance is None and reading.silent > th.single_buyer_gone_after
        )
        assert reading.stage == ("dormant" if is_client else "lost")
    if reading.usual_gap is not None:
        assert reading.purchase_days >= th.rhythm_min_purchases


def test_thresholds_are_configurable():
    loose = StageThresholds(lost_below=0.01, at_risk_below=0.02)
    assert lifecycle_stage([4], [20], [100], [0.05], [False]).tolist() == ["lost"]
    assert lifecycle_stage([4], [20], [100], [0.05], [False], loose).tolist() == ["active"]


def test_propensity_ranks_valuable_repeat_tailored_buyers_first_with_reasons():
    score, why = conversion_propensity(
        clv=[900_000, 50_000, 10_000, 400_000],
        frequency=[9, 1, 0, 4],
        p_alive=[0.95, 0.6, 0.2, 0.85],
        tailored_share=[0.5, 0.0, 0.0, 0.0],
        is_business=[False, False, False, True],
    )
    reasons = why.per_party(len(score))
    assert np.argsort(-score).tolist()[:2] == [0, 3]
    assert {"code": "candidate.came_back", "days": 9} in reasons[0]
    assert any(r["code"] == "candidate.buys_tailored" for r in reasons[0])
    assert {"code": "candidate.business"} in reasons[3]
    assert np.all((score >= 0) & (score <= 1))


def test_known_satisfaction_raises_the_score():
    base = {
        "clv": [1.0, 1.0],
        "frequency": [2, 2],
        "p_alive": [0.5, 0.5],
        "tailored_share": [0, 0],
        "is_business": [False, False],
    }
    score, why = conversion_propensity(**base, satisfaction=[1.0, 0.0])
    reasons = why.per_party(len(score))
    assert score[0] > score[1] and {"code": "candidate.satisfied"} in reasons[0]


def test_preference_profile_from_orders():
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
    assert (profile.preferred_channel, profile.preferred_weekday) == ("web", 5)  # Saturday
    assert profile.preferred_time == "afternoon"
    assert profile.discount_share == 0.2
    assert (profile.typical_amount, profile.currency) == (30_000, "KRW")


def test_preference_profile_without_purchases():
    assert preference_profile([]).purchases == 0


def test_two_purchases_make_no_rhythm():
    start = dt.datetime(2024, 1, 1, 10)
    purchases = [PurchaseRecord(start + dt.timedelta(weeks=4 * i), 1000, "KRW") for i in range(2)]
    assert preference_profile(purchases).usual_interval_days is None
    assert preference_profile([*purchases, purchases[0]]).usual_interval_days is None


def test_reasons_are_written_for_the_top_candidates_only():
    rng = np.random.default_rng(0)
    n = 400
    score, why = conversion_propensity(
        clv=rng.gamma(2, 1000, n),
        frequency=rng.integers(0, 10, n),
        p_alive=rng.random(n),
        tailored_share=np.zeros(n),
        is_business=np.zeros(n, bool),
        explain_top=0.25,
    )
    explained = np.array([bool(r) for r in why.per_party(n)])
    assert explained.sum() <= n * 0.25 + 1
    assert score[explained].min() >= score[~explained].max()
