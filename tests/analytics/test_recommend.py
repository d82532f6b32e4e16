from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse import csgraph

from patron.analytics import NotFittedError
from patron.analytics.recommend import (
    Estimate,
    ItemRecommender,
    buy_again,
    compare,
    discover,
    ease,
    fit,
    interaction_matrix,
    item_item,
    ndcg_at_k,
    popular_top_n,
    popularity,
    recall_at_k,
    recommend_by_model,
    recommend_popular,
    simulate_affinities,
    time_split,
    verdict,
)

# Four items in two pairs that are always bought together: (0, 1) and (2, 3).
PAIRS = sparse.csr_matrix(
    np.array(
        [
            [1, 1, 0, 0],
            [1, 1, 0, 0],
            [1, 1, 0, 0],
            [0, 0, 1, 1],
            [0, 0, 1, 1],
            [1, 1, 1, 1],
        ],
        dtype=np.float32,
    )
)


def simulated_split(n_parties: int, n_clusters: int, seed: int = 0):
    party, item, day = simulate_affinities(n_parties, 300, n_clusters, seed=seed)
    split_day = int(np.quantile(day, 0.8))
    return time_split(party, item, day, split_day, shape=(n_parties, 300))


def test_ease_is_steck_closed_form_with_a_zero_diagonal():
    lam = 2.0
    dense = PAIRS.toarray().astype(np.float64)
    P = np.linalg.inv(dense.T @ dense + lam * np.eye(4))
    expected = np.eye(4) - P @ np.diag(1.0 / np.diag(P))
    B = ease(PAIRS, lam=lam)
    np.testing.assert_allclose(B, expected, atol=1e-6)
    np.testing.assert_array_equal(np.diag(B), 0.0)


def test_ease_reads_counts_as_bought_or_not():
    counted = PAIRS.copy()
    counted.data *= 7
    np.testing.assert_allclose(ease(counted, lam=2.0), ease(PAIRS, lam=2.0))


def test_ease_suggests_the_partner_item_first():
    model = fit(PAIRS, lam=2.0)
    assert model.kind_ == "ease"
    bought_one = sparse.csr_matrix(np.array([[1, 0, 0, 0], [0, 0, 0, 1]], dtype=np.float32))
    top = discover(model, bought_one, n=1)
    assert top[:, 0].tolist() == [1, 2]


def test_shrinkage_lowers_the_similarity_of_rarely_co_bought_pairs():
    # Items 0 and 1: bought together by one party. Items 2 and 3: together by twenty.
    rows = [[1, 1, 0, 0]] + [[0, 0, 1, 1]] * 20
    X = sparse.csr_matrix(np.array(rows, dtype=np.float32))
    plain = item_item(X, shrink=0.0).toarray()
    shrunk = item_item(X, shrink=10.0).toarray()
    assert plain[0, 1] == pytest.approx(plain[2, 3]) == pytest.approx(1.0)
    assert shrunk[0, 1] == pytest.approx(1 / 11)
    assert shrunk[2, 3] == pytest.approx(20 / 30)
    np.testing.assert_array_equal(np.diag(shrunk), 0.0)


def test_item_item_keeps_only_the_nearest_neighbours():
    X = sparse.random(200, 50, density=0.2, random_state=1, format="csr")
    full = item_item(X, neighbours=None)
    kept = item_item(X, neighbours=5)
    assert np.diff(kept.indptr).max() == 5
    # What is kept is each row's best: nothing dropped is more similar than what stays.
    for row in range(50):
        dropped = np.setdiff1d(full[row].indices, kept[row].indices)
        assert full[row, dropped].max() <= kept[row].data.min()


def test_a_large_catalogue_takes_the_item_item_path():
    model = ItemRecommender(ease_max_items=4).fit(PAIRS)
    assert model.kind_ == "item_item"
    assert sparse.issparse(model.weights_)


def test_it_refuses_to_score_before_fit():
    with pytest.raises(NotFittedError):
        ItemRecommender().score(PAIRS)


@pytest.mark.parametrize("ease_max_items", [10_000, 0])
def test_discover_never_returns_bought_or_excluded_items(ease_max_items):
    X = sparse.random(300, 40, density=0.15, random_state=2, format="csr")
    X.data[:] = 1.0
    excluded = sparse.random(300, 40, density=0.1, random_state=3, format="csr")
    retired = np.zeros(40, dtype=bool)
    retired[[0, 7]] = True
    model = fit(X, ease_max_items=ease_max_items)
    for exclude in (excluded, retired):
        top = discover(model, X, n=10, exclude=exclude, fallback=popularity(X), batch_rows=64)
        forbidden = (X + (excluded if exclude is excluded else 0)).toarray() > 0
        forbidden[:, retired if exclude is retired else np.zeros(40, dtype=bool)] = True
        for row in range(300):
            listed = top[row][top[row] >= 0]
            assert len(set(listed)) == len(listed)
            assert not forbidden[row, listed].any()


def test_discover_lists_only_what_is_left():
    # A party who bought all but one item of the pairs' catalogue gets that item or nothing.
    nearly_all = sparse.csr_matrix(np.array([[1, 1, 1, 0]], dtype=np.float32))
    top = discover(fit(PAIRS, lam=2.0), nearly_all, n=3, fallback=popularity(PAIRS))
    assert top.tolist() == [[3, -1, -1]]


def test_best_sellers_fill_what_the_model_has_no_evidence_for():
    # Pairs (0, 1) and (2, 3) bought by 3 parties each; items 4 and 5 alone by 10 and 8.
    rows = [[1, 1, 0, 0, 0, 0]] * 3 + [[0, 0, 1, 1, 0, 0]] * 3
    rows += [[0, 0, 0, 0, 1, 0]] * 10 + [[0, 0, 0, 0, 0, 1]] * 8
    X = sparse.csr_matrix(np.array(rows, dtype=np.float32))
    model = fit(X, lam=1.0)
    parties = sparse.csr_matrix(np.array([[1, 0, 0, 0, 0, 0], [0] * 6], dtype=np.float32))
    assert discover(model, parties, n=4).tolist() == [[1, -1, -1, -1], [-1] * 4]
    filled = discover(model, parties, n=4, fallback=popularity(X))
    assert filled.tolist() == [[1, 4, 5, 2], [4, 5, 0, 1]]


def test_popularity_counts_distinct_buyers_not_lines():
    # Item 2 has the most lines (one party, 9 times); item 1 the most buyers.
    X = sparse.csr_matrix(np.array([[0, 1, 9], [0, 1, 0], [1, 1, 0]], dtype=np.float32))
    assert popularity(X).tolist() == [1, 0, 2]
    assert popular_top_n(X, n=2).tolist() == [[0, -1], [0, 2], [2, -1]]


def test_buy_again_suggests_a_regular_item_once_its_rhythm_has_passed():
    lines = [
        (1, 10, [0, 30, 61, 90]),  # every ~30 days, last 35 days ago: due
        (1, 11, [25, 55, 85, 120]),  # every ~30 days, last 5 days ago: not due
        (1, 12, [0, 100]),  # two days make no rhythm
        (1, 13, [10, 10, 10, 50, 50, 50]),  # six lines, two days: still no rhythm
        (2, 10, [0, 20, 40, 60, 80]),  # every 20 days, last 45 days ago: more overdue
        (2, 14, [100, 105, 110, 120]),  # rhythm 5, bought 5 days ago: too recent
    ]
    party = np.concatenate([[p] * len(days) for p, _, days in lines])
    item = np.concatenate([[i] * len(days) for _, i, days in lines])
    day = np.concatenate([days for _, _, days in lines])
    due = buy_again(party, item, day, today=125, recent_days=7)
    assert due.for_party(1) == [(10, 120, 30.0)]
    assert due.for_party(2) == [(10, 100, 20.0)]
    assert due.for_party(3) == []
    # Rhythm 5 days and 5 days ago is due by rhythm: only the recent_days rule holds it back.
    anyway = buy_again(party, item, day, today=125, recent_days=0)
    assert (14, 125, 5.0) in anyway.for_party(2)


def test_buy_again_ranks_the_most_overdue_first_and_reads_dates_in_any_order():
    rng = np.random.default_rng(0)
    party = np.array([5] * 9)
    item = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3])
    start = np.datetime64("2026-01-01")
    # Rhythms 10, 20 and 40 days; last bought 80, 60 and 20 days before "today".
    day = start + np.array([0, 10, 20, 0, 20, 40, 0, 40, 80])
    shuffled = rng.permutation(9)
    due = buy_again(party[shuffled], item[shuffled], day[shuffled], today=start + 100)
    assert due.item.tolist() == [1, 2]  # item 3 is half way through its rhythm: not due
    assert due.overdue.tolist() == [8.0, 3.0]
    assert np.datetime64(int(due.due_day[0]), "D") == start + 30


def test_time_split_tests_only_new_items_of_parties_seen_before():
    party = np.array([0, 0, 0, 1, 1, 2, 3, 3])
    item = np.array([0, 1, 2, 0, 0, 1, 2, 2])
    day = np.array([1, 5, 9, 1, 9, 9, 1, 2])
    split = time_split(party, item, day, split_day=5, shape=(4, 3))
    # Party 0: item 1 and 2 are new after the split. Party 1 only repeats item 0, party 2 is
    # new itself, party 3 bought nothing after: none of them is evaluated.
    assert split.parties.tolist() == [0]
    assert split.relevant.toarray().tolist() == [[0, 1, 1]]
    assert split.train.toarray()[0].tolist() == [1, 0, 0]


def test_recall_and_ndcg_on_a_hand_example():
    top = np.array([[1, 2, 3, 4], [2, 7, -1, -1], [5, 9, 8, 6]])
    relevant = sparse.csr_matrix(
        ([1] * 8, ([0, 0, 1, 2, 2, 2, 2, 2], [1, 4, 7, 0, 1, 2, 3, 5])), shape=(3, 10)
    )
    recall = recall_at_k(top, relevant, k=4)
    ndcg = ndcg_at_k(top, relevant, k=4)
    # Recall over min(k, relevant): party 2 has five relevant items, at most four can be shown.
    np.testing.assert_allclose(recall, [1.0, 1.0, 0.25])
    first = (1 + 1 / np.log2(5)) / (1 + 1 / np.log2(3))
    third = 1 / (1 + 1 / np.log2(3) + 1 / np.log2(4) + 1 / np.log2(5))
    np.testing.assert_allclose(ndcg, [first, 1 / np.log2(3), third])


@pytest.mark.parametrize(
    ("low", "high", "expected"), [(0.01, 0.2, "yes"), (-0.2, -0.01, "no"), (-0.01, 0.2, "tie")]
)
def test_the_verdict_comes_from_the_interval_only(low, high, expected):
    assert verdict(Estimate((low + high) / 2, low, high)) == expected


def test_the_model_beats_popularity_when_items_have_affinities():
    result = compare(recommend_by_model, recommend_popular, simulated_split(3000, 15))
    assert result.verdict == "yes"
    assert result.model_ndcg.mean > 1.5 * result.popularity_ndcg.mean
    assert result.model_recall.mean > result.popularity_recall.mean


def test_without_affinities_the_model_does_not_beat_popularity():
    result = compare(recommend_by_model, recommend_popular, simulated_split(3000, 1))
    assert result.verdict != "yes"


def test_intervals_contain_the_mean_and_narrow_with_more_parties():
    small = compare(recommend_by_model, recommend_popular, simulated_split(400, 15))
    large = compare(recommend_by_model, recommend_popular, simulated_split(4000, 15))
    for result in (small, large):
        for estimate in (result.model_ndcg, result.popularity_recall, result.ndcg_difference):
            assert estimate.low <= estimate.mean <= estimate.high
    for name in ("model_ndcg", "popularity_ndcg", "ndcg_difference"):
        narrow, wide = getattr(large, name), getattr(small, name)
        assert narrow.high - narrow.low < 0.6 * (wide.high - wide.low)


def test_the_simulated_shop_has_the_asked_size_and_order():
    party, item, day = simulate_affinities(500, 80, 4, lines=6000, days=365, seed=4)
    assert abs(len(party) - 6000) < 600
    assert set(np.unique(party)) == set(range(500))
    assert item.max() < 80 and day.min() >= 0 and day.max() < 365
    assert np.all(np.diff(np.lexsort((day, item, party))) == 1)
    matrix = interaction_matrix(party, item, shape=(500, 80))
    assert matrix.sum() == len(party)


def test_with_full_affinity_each_party_buys_within_one_cluster():
    party, item, _ = simulate_affinities(2000, 60, 4, affinity=1.0, seed=5)
    X = interaction_matrix(party, item, shape=(2000, 60))
    bought_together = (X.T @ X) > 0
    components, _ = csgraph.connected_components(bought_together, directed=False)
    assert components == 4
