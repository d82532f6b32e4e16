"""Distinct rows and their counts: what every fit and prediction is evaluated on."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from patron.analytics.base import collapse_rows, unique_rows


def _by_sorting(columns):
    rows = np.column_stack(columns)
    distinct, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    return distinct, inverse.ravel(), counts


day_counts = st.lists(st.integers(0, 400), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(days=day_counts, unit=st.sampled_from([1.0, 7.0, 365.25 / 12]), off_grid=st.booleans())
def test_distinct_rows_and_counts_match_a_plain_sort(days, unit, off_grid):
    """Whole days in any unit (a grid) and arbitrary floats (no grid) give the same rows."""
    rng = np.random.default_rng(len(days))
    recency = np.array(days, dtype=float) / unit
    if off_grid:
        recency = recency * rng.random(len(days))
    frequency = np.where(recency > 0, rng.integers(1, 6, len(days)), 0).astype(float)
    age = recency + rng.integers(0, 3, len(days)) / unit
    distinct, inverse, counts = _by_sorting([frequency, recency, age])

    values, index = unique_rows(frequency, recency, age)
    assert np.array_equal(np.column_stack(values), distinct)
    assert np.array_equal(index, inverse)

    rows = collapse_rows(frequency, recency, age)
    assert np.array_equal(np.column_stack(rows.columns()), distinct)
    assert np.array_equal(rows.counts, counts)


def test_weights_are_summed_per_distinct_row():
    frequency = np.array([1.0, 1.0, 0.0, 1.0])
    recency = np.array([2.0, 2.0, 0.0, 3.0])
    rows = collapse_rows(frequency, recency, weights=np.array([0.5, 2.0, 1.0, 4.0]))
    assert [list(c) for c in rows.columns()] == [[0.0, 1.0, 1.0], [0.0, 2.0, 3.0]]
    assert list(rows.counts) == [1.0, 2.5, 4.0]


def test_no_rows_give_no_distinct_rows():
    values, index = unique_rows(np.array([]), np.array([]))
    assert [len(v) for v in values] == [0, 0] and len(index) == 0
    assert len(collapse_rows(np.array([]), np.array([]))) == 0
