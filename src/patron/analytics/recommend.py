"""What a party may like next ("discover") and what it is due to buy again, and whether the
model earns its place against best-sellers.

The input is an interaction matrix X (parties × items, a `scipy.sparse.csr_matrix` whose
values count purchases); item ids are column indices. Every model reads X binarised (bought or
not): how often a party bought an item is the buy-again list's business, not the discover list's.

Models
- **EASE** (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an
  item × item weight matrix B that predicts each item from the others, with a zero diagonal so
  no item predicts itself. Its closed form is B = I − P·diagMat(1/diag(P)), with
  P = (XᵀX + λI)⁻¹. A dense inverse, so only for catalogues under `EASE_MAX_ITEMS`.
- **Item-item** (Sarwar, Karypis, Konstan & Riedl 2001, "Item-based collaborative filtering
  recommendation algorithms", WWW 2001): the cosine of two items' buyer sets, shrunk towards 0
  when few parties back it — co / (√(nᵢ nⱼ) + shrink), the idea of Bell & Koren (2007, "Scalable
  collaborative filtering with jointly derived neighborhood interpolation weights", ICDM) of
  distrusting similarities with little support — keeping each item's `neighbours` most similar
  items (Deshpande & Karypis 2004) so memory stays bounded on large catalogues.
- **Popularity**: items by number of distinct buyers, the baseline every model must beat.

A party's scores are its binarised row times the weights; `discover` takes the top n per party,
never an item the party bought or one the caller excludes (a one-off service already done).

**Buy again** needs no model: an item bought on at least `REGULAR_MIN_DAYS` distinct days has a
rhythm (the median gap between those days), and is due once the days since the last purchase
reach the rhythm (less `DUE_TOLERANCE`); the most overdue come first.

**Evaluation** splits the lines in time (`time_split`), recommends from the lines before the
split and scores recall@k and NDCG@k on the new items bought after it (`compare`), with paired
bootstrap intervals; the verdict comes from the interval only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg import lapack

from .base import ModelNotIdentified, NotFittedError
from .preferences import RHYTHM_MIN_PURCHASE_DAYS

EASE_MAX_ITEMS = 15_000  # a dense float64 inverse of 15,000² is 1.8 GB; beyond, item-item
EASE_LAMBDA = 100.0
ITEM_ITEM_SHRINK = 10.0
ITEM_ITEM_NEIGHBOURS = 100
BATCH_ROWS = 2_000
BATCH_CELLS = 16_000_000  # dense scores per batch (64 MB in float32), whatever the catalogue
REGULAR_MIN_DAYS = RHYTHM_MIN_PURCHASE_DAYS  # as a party's own rhythm: two days make no rhythm
DUE_TOLERANCE = 0.1  # due from 90% of the rhythm: a reminder a few days early is welcome
RECENT_DAYS = 7  # bought this week: not reminded, even when its rhythm is shorter
TOP_K = 10
BOOTSTRAP_RESAMPLES = 1_000

Recommender = Callable[[sparse.csr_matrix, np.ndarray, int], np.ndarray]


# --- The interaction matrix -----------------------------------------------------------------


def interaction_matrix(
    party_idx: np.ndarray, item_idx: np.ndarray, *, shape: tuple[int, int] | None = None
) -> sparse.csr_matrix:
    """Parties × items, each cell the number of lines of that party and item."""
    party = np.asarray(party_idx, dtype=np.int64)
    item = np.asarray(item_idx, dtype=np.int64)
    if shape is None:
        shape = (_size(party), _size(item))
    counts = np.ones(len(party), dtype=np.float32)
    matrix = sparse.csr_matrix((counts, (party, item)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def _size(index: np.ndarray) -> int:
    return int(index.max()) + 1 if len(index) else 0


def _binarised(X) -> sparse.csr_matrix:
    """X with every stored positive value 1 (float32: exact counts up to 16 million)."""
    binary = sparse.csr_matrix(X, dtype=np.float32, copy=True)
    binary.sum_duplicates()
    binary.data = (binary.data > 0).astype(np.float32)
    binary.eliminate_zeros()
    return binary


def _co_occurrence(binary: sparse.csr_matrix) -> sparse.csr_matrix:
    """Items × items: how many parties bought both (the diagonal: how many bought each)."""
    return (binary.T.tocsr() @ binary).tocsr()


# --- Models ---------------------------------------------------------------------------------


def ease(X, lam: float = EASE_LAMBDA) -> np.ndarray:
    """EASE weights B (items × items, float32, zero diagonal): Steck's (2019) closed form.

    λ is the L2 penalty: larger shrinks the weights towards 0, which small shops need (few
    parties per item pair). Steck tuned λ in the hundreds on data sets of 100,000+ users.
    """
    gram = _co_occurrence(_binarised(X)).astype(np.float64).toarray()
    gram[np.diag_indices_from(gram)] += lam
    precision = _spd_inverse(gram)
    # B = I − P·diagMat(1/diag(P)): off the diagonal Bᵢⱼ = −Pᵢⱼ / Pⱼⱼ, and Bⱼⱼ = 0.
    precision /= -np.diag(precision)[np.newaxis, :]
    np.fill_diagonal(precision, 0.0)
    return precision.astype(np.float32)


def _spd_inverse(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix, through its Cholesky factor and in
    its own memory: half the work of a general inverse, and no second copy at 15,000²."""
    # LAPACK works in place on column-major memory; the transpose of a symmetric row-major
    # matrix is that matrix, column-major, without a copy.
    factor, info = lapack.dpotrf(matrix.T, lower=False, overwrite_a=True, clean=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"not positive definite (LAPACK dpotrf info={info})")
    inverse, info = lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular (LAPACK dpotri info={info})")
    _mirror_upper_triangle(inverse)
    return inverse


def _mirror_upper_triangle(matrix: np.ndarray, block: int = 1024) -> None:
    """Copy the upper triangle onto the lower, in place, a band of rows at a time (the index
    arrays of a whole triangle would take as much memory as the matrix)."""
    for start in range(0, matrix.shape[0], block):
        stop = start + block
        matrix[start:stop, :start] = matrix[:start, start:stop].T
        square = matrix[start:stop, start:stop]
        lower = np.tril_indices_from(square, -1)
        square[lower] = square.T[lower]


def item_item(
    X, shrink: float = ITEM_ITEM_SHRINK, neighbours: int | None = ITEM_ITEM_NEIGHBOURS
) -> sparse.csr_matrix:
    """Shrunk cosine similarity of items' buyer sets, sim = co / (√(nᵢ nⱼ) + shrink), zero
    diagonal; row i keeps item i's `neighbours` most similar items (all when None)."""
    co = _co_occurrence(_binarised(X))
    buyers = co.diagonal().astype(np.float64)
    rows = np.repeat(np.arange(co.shape[0]), np.diff(co.indptr))
    norm = np.sqrt(buyers[rows] * buyers[co.indices]) + shrink
    similarity = sparse.csr_matrix(
        ((co.data / norm).astype(np.float32), co.indices, co.indptr), shape=co.shape
    )
    similarity.setdiag(0.0)
    similarity.eliminate_zeros()
    if neighbours is not None:
        similarity = _keep_top_per_row(similarity, neighbours)
    return similarity


def _keep_top_per_row(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """The k largest stored values of each row, in one sort rather than a loop over rows."""
    lengths = np.diff(matrix.indptr)
    if lengths.max(initial=0) <= k:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    kept = order[rank < k]
    return sparse.csr_matrix(
        (matrix.data[kept], (rows[kept], matrix.indices[kept])), shape=matrix.shape
    )


class ItemRecommender:
    """EASE below `ease_max_items` items, shrunk item-item cosine from there on.

    >>> model = ItemRecommender().fit(X)
    >>> top = discover(model, X, n=10)
    """

    def __init__(
        self,
        lam: float = EASE_LAMBDA,
        shrink: float = ITEM_ITEM_SHRINK,
        neighbours: int | None = ITEM_ITEM_NEIGHBOURS,
        ease_max_items: int = EASE_MAX_ITEMS,
    ) -> None:
        self.lam = lam
        self.shrink = shrink
        self.neighbours = neighbours
        self.ease_max_items = ease_max_items

    def fit(self, X) -> ItemRecommender:
        if X.shape[1] < self.ease_max_items:
            self.kind_ = "ease"
            self.weights_ = ease(X, self.lam)
        else:
            self.kind_ = "item_item"
            self.weights_ = item_item(X, self.shrink, self.neighbours)
        return self

    def score(self, rows) -> np.ndarray:
        """Dense scores (len(rows) × items, float32) of every item for each row's party."""
        if not hasattr(self, "weights_"):
            raise NotFittedError("fit the recommender before scoring")
        scores = _binarised(rows) @ self.weights_
        return scores.toarray() if sparse.issparse(scores) else np.asarray(scores)


def fit(X, **hyperparameters) -> ItemRecommender:
    """The recommender for X's catalogue size (see `ItemRecommender`), fitted."""
    return ItemRecommender(**hyperparameters).fit(X)


class _RankingScores:
    """A fixed ranking as scores (n_items for the first, 1 for the last ranked, 0 unranked),
    so best-sellers go through the same top-n as a model and never tie."""

    def __init__(self, ranking: np.ndarray, n_items: int) -> None:
        self.values = np.zeros(n_items, dtype=np.float32)
        self.values[ranking] = np.arange(n_items, n_items - len(ranking), -1)

    def score(self, rows) -> np.ndarray:
        return np.broadcast_to(self.values, (rows.shape[0], len(self.values))).copy()


def popularity(X) -> np.ndarray:
    """Items bought by at least one party, most distinct buyers first (ties: lower id first)."""
    buyers = np.diff(_binarised(X).tocsc().indptr)
    ranked = np.argsort(-buyers, kind="stable")
    return ranked[buyers[ranked] > 0]


# --- Top n per party ------------------------------------------------------------------------


def discover(
    model,
    X,
    n: int = TOP_K,
    *,
    exclude=None,
    fallback: np.ndarray | None = None,
    batch_rows: int = BATCH_ROWS,
) -> np.ndarray:
    """The n best-scored items per row of X (parties × n, int64, best first), never one the
    party bought nor one `exclude` names: a parties × items sparse matrix (per party), or a
    boolean per item (for everyone).

    Only items with a positive score are suggested: the party's purchases speak for them.
    Slots left over are -1, or the first allowed items of `fallback` (a ranking such as
    `popularity(X)`) when given. Parties are scored a batch at a time so memory stays bounded.
    """
    X = sparse.csr_matrix(X)
    n_parties, n_items = X.shape
    batch_rows = max(1, min(batch_rows, BATCH_CELLS // max(n_items, 1)))
    top = np.full((n_parties, min(n, n_items)), -1, dtype=np.int64)
    if top.size == 0:
        return top
    for start in range(0, n_parties, batch_rows):
        stop = min(start + batch_rows, n_parties)
        rows = X[start:stop]
        scores = model.score(rows)
        _forbid(scores, rows, _exclusions(exclude, start, stop))
        top[start:stop] = _top_positive(scores, top.shape[1])
        if fallback is not None:
            _fill_from_ranking(top[start:stop], scores, fallback)
    return top


def popular_top_n(
    X,
    n: int = TOP_K,
    *,
    ranking: np.ndarray | None = None,
    exclude=None,
    batch_rows: int = BATCH_ROWS,
) -> np.ndarray:
    """The first n items of `ranking` (default: popularity(X)) each party has not bought and
    `exclude` does not name, as `discover` returns them."""
    ranking = popularity(X) if ranking is None else np.asarray(ranking)
    scores = _RankingScores(ranking, X.shape[1])
    return discover(scores, X, n, exclude=exclude, batch_rows=batch_rows)


def _exclusions(exclude, start: int, stop: int):
    if exclude is None:
        return None
    if sparse.issparse(exclude):
        return sparse.csr_matrix(exclude)[start:stop]
    return np.asarray(exclude, dtype=bool)


def _forbid(scores: np.ndarray, rows: sparse.csr_matrix, exclusions) -> None:
    """Mark bought and excluded items −∞ in place: never suggested, not even as a fallback."""
    bought = rows.copy()
    bought.eliminate_zeros()
    scores[_row_ids(bought), bought.indices] = -np.inf
    if exclusions is None:
        return
    if sparse.issparse(exclusions):
        exclusions = exclusions.copy()
        exclusions.eliminate_zeros()
        scores[_row_ids(exclusions), exclusions.indices] = -np.inf
    else:
        scores[:, exclusions] = -np.inf


def _row_ids(matrix: sparse.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))


def _top_positive(scores: np.ndarray, n: int) -> np.ndarray:
    """Per row, the n highest-scored columns with a positive score, best first; -1 pads."""
    # Partitioning the negated scores at n: measured 15x faster than partitioning the scores
    # at items − n on a sparse 20,000-item batch (mostly zeros), and as fast on a dense one.
    candidates = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    values = np.take_along_axis(scores, candidates, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    top = np.take_along_axis(candidates, order, axis=1).astype(np.int64)
    top[np.take_along_axis(values, order, axis=1) <= 0] = -1
    return top


def _fill_from_ranking(top: np.ndarray, scores: np.ndarray, ranking: np.ndarray) -> None:
    """Fill each row's -1 slots, in place, with the first ranked items still allowed (finite
    score) and not already listed (those had a positive score)."""
    short = np.flatnonzero(top[:, -1] < 0)
    if len(short) == 0 or len(ranking) == 0:
        return
    ranked_scores = scores[np.ix_(short, ranking)]
    allowed = np.isfinite(ranked_scores) & (ranked_scores <= 0)
    position = np.cumsum(allowed, axis=1)  # 1 for the first allowed item of the row, ...
    missing = (top[short] < 0).sum(axis=1)
    row, column = np.nonzero(allowed & (position <= missing[:, np.newaxis]))
    width = top.shape[1]
    slot = width - missing[row] + position[row, column] - 1
    top[short[row], slot] = ranking[column]


# --- Buy again ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuyAgain:
    """Items due again, grouped by party (ascending) and most overdue first within a party.

    Days are day numbers: as given, or days since 1970-01-01 when dates were given
    (`np.datetime64(int(d), "D")` turns one back into a date).
    """

    party: np.ndarray
    item: np.ndarray
    due_day: np.ndarray  # last purchase + rhythm, rounded to a day
    rhythm_days: np.ndarray  # median gap between the item's purchase days
    last_day: np.ndarray
    overdue: np.ndarray  # days since the last purchase / rhythm: 1.0 is exactly on time

    def for_party(self, party: int) -> list[tuple[int, int, float]]:
        """(item, due day, rhythm in days) of one party, most overdue first."""
        start, stop = np.searchsorted(self.party, [party, party + 1])
        return [
            (int(i), int(d), float(r))
            for i, d, r in zip(
                self.item[start:stop],
                self.due_day[start:stop],
                self.rhythm_days[start:stop],
                strict=True,
            )
        ]


def buy_again(
    party_idx: np.ndarray,
    item_idx: np.ndarray,
    day: np.ndarray,
    today,
    *,
    recent_days: int = RECENT_DAYS,
    n: int | None = TOP_K,
    min_days: int = REGULAR_MIN_DAYS,
    tolerance: float = DUE_TOLERANCE,
) -> BuyAgain:
    """Regular items each party is due to buy again, at most n per party (all when None).

    One line per purchase of an item: three arrays as one query sorted by (party, item, day)
    gives them (unsorted lines are sorted here). Days are whole day numbers or dates. An item
    is regular when bought on at least `min_days` distinct days; it is due when the days since
    its last purchase reach (1 − tolerance) × its rhythm. An item bought within the last
    `recent_days` is never suggested, whatever its rhythm: the party has just seen to it.
    """
    party, item, days = _distinct_purchase_days(party_idx, item_idx, day)
    today = int(_day_numbers(np.asarray([today]))[0])
    starts = _run_starts(party, item)
    ends = np.append(starts[1:], len(days))[: len(starts)]  # one past each group's last line
    purchase_days = ends - starts
    last = days[ends - 1]
    rhythm = _median_gap_per_group(days, starts, purchase_days)
    since = today - last
    with np.errstate(invalid="ignore"):
        due = (
            (purchase_days >= min_days)
            & (since >= (1 - tolerance) * rhythm)
            & (since >= recent_days)
        )
    due_groups = np.flatnonzero(due)
    overdue = since[due_groups] / rhythm[due_groups]
    order = np.lexsort((-overdue, party[starts[due_groups]]))
    chosen = due_groups[order]
    overdue = overdue[order]
    if n is not None:
        keep = _rank_within(party[starts[chosen]]) < n
        chosen, overdue = chosen[keep], overdue[keep]
    return BuyAgain(
        party=party[starts[chosen]],
        item=item[starts[chosen]],
        due_day=last[chosen] + np.rint(rhythm[chosen]).astype(np.int64),
        rhythm_days=rhythm[chosen],
        last_day=last[chosen],
        overdue=overdue,
    )


def _day_numbers(day: np.ndarray) -> np.ndarray:
    if np.issubdtype(day.dtype, np.datetime64) or day.dtype == object:
        return day.astype("datetime64[D]").astype(np.int64)
    return day.astype(np.int64)


def _distinct_purchase_days(party_idx, item_idx, day):
    """The lines sorted by (party, item, day), with one line per party, item and day."""
    party = np.asarray(party_idx, dtype=np.int64)
    item = np.asarray(item_idx, dtype=np.int64)
    days = _day_numbers(np.asarray(day))
    if not _is_sorted(party, item, days):
        order = np.lexsort((days, item, party))
        party, item, days = party[order], item[order], days[order]
    repeated = np.zeros(len(days), dtype=bool)
    repeated[1:] = (party[1:] == party[:-1]) & (item[1:] == item[:-1]) & (days[1:] == days[:-1])
    return party[~repeated], item[~repeated], days[~repeated]


def _is_sorted(party: np.ndarray, item: np.ndarray, days: np.ndarray) -> bool:
    """Whether the lines are already in (party, item, day) order: a check costs far less
    than the sort it saves on a million lines."""
    party_step, item_step, day_step = np.diff(party), np.diff(item), np.diff(days)
    return bool(
        np.all(
            (party_step > 0)
            | ((party_step == 0) & (item_step > 0))
            | ((party_step == 0) & (item_step == 0) & (day_step >= 0))
        )
    )


def _run_starts(*keys: np.ndarray) -> np.ndarray:
    """The first position of every run of equal keys (sorted lines: of every group)."""
    change = np.ones(len(keys[0]), dtype=bool)
    for key in keys:
        change[1:] &= key[1:] == key[:-1]
    change[1:] = ~change[1:]
    return np.flatnonzero(change)


def _median_gap_per_group(
    days: np.ndarray, starts: np.ndarray, purchase_days: np.ndarray
) -> np.ndarray:
    """The median gap between consecutive purchase days of each group (NaN under two days).

    Gaps are whole days, so one sort of the keys group · span + gap orders every group's
    gaps at once, with the groups in their own order.
    """
    gaps = np.diff(days)
    within = np.ones(len(days), dtype=bool)
    within[starts] = False
    group_of_line = np.cumsum(~within) - 1
    gaps, gap_group = gaps[within[1:]], group_of_line[1:][within[1:]]
    rhythm = np.full(len(starts), np.nan)
    if len(gaps) == 0:
        return rhythm
    span = int(gaps.max()) + 1
    ordered = np.sort(gap_group * span + gaps) % span
    count = purchase_days - 1
    first = np.cumsum(count) - count
    has = count > 0
    low = ordered[first[has] + (count[has] - 1) // 2]
    high = ordered[first[has] + count[has] // 2]
    rhythm[has] = (low + high) / 2.0
    return rhythm


def _rank_within(sorted_groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values."""
    starts = _run_starts(sorted_groups)
    lengths = np.diff(np.append(starts, len(sorted_groups)))
    return np.arange(len(sorted_groups)) - np.repeat(starts, lengths)


# --- Evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSplit:
    """Lines before the split day to learn from, and the new items bought from it on.

    `relevant` holds, for each evaluated party (row i is party `parties[i]`), the items it
    bought on or after the split day and never before: the discover list never repeats a
    bought item, so a repeat purchase cannot count for or against it (buy-again, which
    suggests repeats by rule, needs no such evaluation).
    """

    train: sparse.csr_matrix  # every party × item, lines before the split day
    parties: np.ndarray  # the evaluated: at least one item before and one new item after
    relevant: sparse.csr_matrix  # len(parties) × items, 1 for each new item
    split_day: int


def time_split(
    party_idx: np.ndarray,
    item_idx: np.ndarray,
    day: np.ndarray,
    split_day,
    *,
    shape: tuple[int, int] | None = None,
) -> TimeSplit:
    """Train on lines before `split_day`; test on the new items each party bought from it on."""
    party = np.asarray(party_idx, dtype=np.int64)
    item = np.asarray(item_idx, dtype=np.int64)
    days = _day_numbers(np.asarray(day))
    split = int(_day_numbers(np.asarray([split_day]))[0])
    shape = shape or (_size(party), _size(item))
    before = days < split
    train = interaction_matrix(party[before], item[before], shape=shape)
    after = _binarised(interaction_matrix(party[~before], item[~before], shape=shape))
    new = after - after.multiply(train > 0)
    new.eliminate_zeros()
    evaluated = np.flatnonzero((np.diff(train.indptr) > 0) & (np.diff(new.indptr) > 0))
    return TimeSplit(train, evaluated, sparse.csr_matrix(new[evaluated]), split)


def _hits(top: np.ndarray, relevant: sparse.csr_matrix) -> np.ndarray:
    """hits[i, j]: whether row i's j-th suggestion is one of its relevant items."""
    relevant = sparse.csr_matrix(relevant)
    relevant.sort_indices()
    if relevant.nnz == 0:
        return np.zeros(top.shape, dtype=bool)
    n_items = relevant.shape[1]
    # Row-major keys of the relevant cells come sorted: a membership test is a binary search.
    keys = _row_ids(relevant) * n_items + relevant.indices
    wanted = np.arange(top.shape[0])[:, np.newaxis] * n_items + np.maximum(top, 0)
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return (top >= 0) & (keys[found] == wanted)


def recall_at_k(top: np.ndarray, relevant: sparse.csr_matrix, k: int = TOP_K) -> np.ndarray:
    """Per party: relevant items among the first k suggestions / min(k, relevant items).

    The normalisation of Liang, Krishnan, Hoffman & Jebara (2018, "Variational Autoencoders
    for Collaborative Filtering", WWW, their metrics section), not the plain hits / relevant
    items: a party with 30 new items can still score 1 with 10 suggestions.
    """
    hits = _hits(top[:, :k], relevant)
    relevant_count = np.diff(sparse.csr_matrix(relevant).indptr)
    return hits.sum(axis=1) / np.maximum(np.minimum(k, relevant_count), 1)


def ndcg_at_k(top: np.ndarray, relevant: sparse.csr_matrix, k: int = TOP_K) -> np.ndarray:
    """Per party: DCG@k = Σ hitⱼ / log₂(j + 2) over the first k positions, over the DCG of the
    best possible list (min(k, relevant items) hits first); binary relevance, as in Liang et
    al. (2018)."""
    hits = _hits(top[:, :k], relevant)
    discount = 1.0 / np.log2(np.arange(k) + 2.0)
    dcg = hits @ discount[: hits.shape[1]]
    relevant_count = np.diff(sparse.csr_matrix(relevant).indptr)
    ideal = np.concatenate([[0.0], np.cumsum(discount)])[np.minimum(k, relevant_count)]
    return np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float  # 95% interval
    high: float


@dataclass(frozen=True)
class Comparison:
    parties: int
    k: int
    model_recall: Estimate
    model_ndcg: Estimate
    popularity_recall: Estimate
    popularity_ndcg: Estimate
    recall_difference: Estimate  # model − popularity, paired by party
    ndcg_difference: Estimate
    verdict: str  # "yes" | "no" | "tie": does the model beat popularity?


def bootstrap_means(
    values: np.ndarray, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> list[Estimate]:
    """Mean and 95% percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) of each
    column of `values` (parties × measures), resampling parties — the same resample for every
    column, so an interval of a difference of columns is paired.

    Why the bootstrap rather than mean ± 1.96 SE: per-party recall and NDCG pile up at 0 and
    are bounded, and a small shop has only a few hundred parties, where the normal interval
    can cross the bounds; the bootstrap needs no shape and costs well under a second.
    """
    values = np.asarray(values, dtype=np.float64)
    m = values.shape[0]
    rng = np.random.default_rng(seed)
    means = np.empty((resamples, values.shape[1]))
    chunk = max(1, 4_000_000 // max(m, 1))  # a resample's counts are m integers
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        counts = rng.multinomial(m, np.full(m, 1.0 / m), size=stop - start)
        means[start:stop] = counts @ values / m
    low, high = np.percentile(means, [2.5, 97.5], axis=0)
    centre = values.mean(axis=0)
    return [
        Estimate(float(c), float(lo), float(hi))
        for c, lo, hi in zip(centre, low, high, strict=True)
    ]


def verdict(difference: Estimate) -> str:
    """The answer to "does the model beat popularity?" from the 95% interval of the paired
    difference model − popularity: "yes" above 0, "no" below, "tie" when it holds 0."""
    if difference.low > 0:
        return "yes"
    if difference.high < 0:
        return "no"
    return "tie"


def compare(
    recommend: Recommender,
    baseline: Recommender,
    split: TimeSplit,
    *,
    k: int = TOP_K,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> Comparison:
    """Recall@k and NDCG@k of two recommenders on a time split, and the verdict.

    Each recommender is called as f(split.train, split.parties, k) and returns the top k items
    for those parties (-1 pads), e.g. `recommend_by_model` and `recommend_popular`.
    The verdict reads the paired NDCG@k difference only — one measure named before looking,
    not whichever of two happens to win; recall is reported beside it.
    """
    if len(split.parties) == 0:
        raise ModelNotIdentified(
            "no party bought before the split day and a new item after it",
            code="recommend.nothing_to_evaluate",
        )
    measures = []
    for recommender in (recommend, baseline):
        top = recommender(split.train, split.parties, k)
        measures += [recall_at_k(top, split.relevant, k), ndcg_at_k(top, split.relevant, k)]
    model_recall, model_ndcg, popular_recall, popular_ndcg = measures
    columns = np.column_stack([*measures, model_recall - popular_recall, model_ndcg - popular_ndcg])
    estimates = bootstrap_means(columns, resamples=resamples, seed=seed)
    return Comparison(len(split.parties), k, *estimates, verdict=verdict(estimates[5]))


def recommend_by_model(train: sparse.csr_matrix, parties: np.ndarray, k: int) -> np.ndarray:
    """The discover list as the product shows it: the model's top k, best-sellers after."""
    model = fit(train)
    return discover(model, train[parties], k, fallback=popularity(train))


def recommend_popular(train: sparse.csr_matrix, parties: np.ndarray, k: int) -> np.ndarray:
    return popular_top_n(train[parties], k, ranking=popularity(train))


# --- A simulated shop -----------------------------------------------------------------------


def simulate_affinities(
    n_parties: int,
    n_items: int,
    n_clusters: int,
    *,
    lines: int | None = None,
    affinity: float = 0.8,
    zipf: float = 1.0,
    days: int = 730,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order lines of a shop with known item affinities: (party_idx, item_idx, day) sorted by
    (party, item, day), every party with at least one line.

    Items fall into `n_clusters` latent groups. Each party prefers one group and draws each of
    its lines from it with probability `affinity`, else from the whole catalogue; within either,
    items are drawn by a Zipf popularity (weight 1/rank^zipf). With one cluster there is no
    affinity to learn: best-sellers are the best guess. `lines` defaults to 10 per party, the
    number per party varying (1 + negative binomial). A party starts on a uniform day in the
    first 80% of `days` and buys on uniform days from then on.
    """
    if not 1 <= n_clusters <= n_items:
        raise ValueError("need between 1 and n_items clusters")
    rng = np.random.default_rng(seed)
    lines = 10 * n_parties if lines is None else lines
    per_party = _lines_per_party(rng, n_parties, lines)
    party = np.repeat(np.arange(n_parties), per_party)
    weight = 1.0 / np.arange(1, n_items + 1) ** zipf
    weight = weight[rng.permutation(n_items)]  # popularity unrelated to cluster or id
    cluster_of_item = rng.permutation(np.arange(n_items) % n_clusters)
    preferred = rng.integers(0, n_clusters, n_parties)[party]
    in_cluster = rng.random(len(party)) < affinity
    item = np.where(
        in_cluster,
        _draw_within_clusters(rng, preferred, cluster_of_item, weight),
        rng.choice(n_items, size=len(party), p=weight / weight.sum()),
    )
    first_day = rng.integers(0, max(1, int(0.8 * days)), n_parties)[party]
    day = first_day + np.floor(rng.random(len(party)) * (days - first_day)).astype(np.int64)
    order = np.lexsort((day, item, party))
    return party[order], item[order].astype(np.int64), day[order]


def _lines_per_party(rng: np.random.Generator, n_parties: int, lines: int) -> np.ndarray:
    """1 + a negative binomial (a Gamma-Poisson of shape 1), about `lines` in all."""
    extra_mean = max(lines / n_parties - 1.0, 0.0)
    if extra_mean == 0:
        return np.ones(n_parties, dtype=np.int64)
    return 1 + rng.poisson(rng.gamma(1.0, extra_mean, n_parties)).astype(np.int64)


def _draw_within_clusters(
    rng: np.random.Generator,
    clusters: np.ndarray,
    cluster_of_item: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """One item per draw from its cluster, by weight: the items ordered by cluster, each
    cluster's cumulative weights scaled to (c, c + 1], and c + uniform looked up."""
    by_cluster = np.argsort(cluster_of_item, kind="stable")
    sorted_cluster = cluster_of_item[by_cluster]
    sorted_weight = weight[by_cluster]
    cumulative = np.cumsum(sorted_weight)
    starts = np.searchsorted(sorted_cluster, sorted_cluster, side="left")
    ends = np.searchsorted(sorted_cluster, sorted_cluster, side="right") - 1
    before = np.where(starts > 0, cumulative[starts - 1], 0.0)
    keys = sorted_cluster + (cumulative - before) / (cumulative[ends] - before)
    keys[ends] = sorted_cluster[ends] + 1.0  # exactly c + 1 for each cluster's last item
    position = np.searchsorted(keys, clusters + rng.random(len(clusters)), side="right")
    return by_cluster[np.minimum(position, len(keys) - 1)]
