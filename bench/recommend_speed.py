"""Seconds to fit the recommender and make both lists for every party, against the
straightforward scipy co-occurrence recommender.

    cd bench && ../.venv/bin/python recommend_speed.py [--parties 100000] [--lines 1000000]
        [--items 2000] [--smoke]

The order lines come from `simulate_affinities` (50 item clusters). Patron: the interaction
matrix is built once (timed on its own, shared by both sides), then `fit` (EASE below 15,000
items; `--items 20000` takes the item-item path), `discover` top 10 for every party (best-sellers
filling any short list) and `buy_again` for every party. Baseline: C = XᵀX as a sparse
co-occurrence matrix, scores = X·C for every party in batches of 2,000, top 10 by
argpartition with bought items excluded. The ratio compares Patron's fit + discover with the
baseline (lower is better; under 1 is faster); buy-again has no counterpart there and is
reported on its own. Peak memory is the process's maximum resident set (ru_maxrss), so it
covers both sides. One process; the numbers are pure numpy/scipy, no database.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from scipy import sparse

from patron.analytics.recommend import (
    buy_again,
    discover,
    fit,
    interaction_matrix,
    popularity,
    simulate_affinities,
)

TOP = 10
BATCH = 2_000
CLUSTERS = 50
DAYS = 730


def timed(work):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def baseline_top(X: sparse.csr_matrix, n: int = TOP) -> np.ndarray:
    """The straightforward recommender: co-occurrence counts, X·C, top n of what is not bought."""
    binary = X.copy()
    binary.data[:] = 1.0
    co = (binary.T @ binary).tocsr()
    co.setdiag(0.0)
    top = np.empty((X.shape[0], n), dtype=np.int64)
    for start in range(0, X.shape[0], BATCH):
        rows = binary[start : start + BATCH]
        scores = (rows @ co).toarray()
        bought_rows = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
        scores[bought_rows, rows.indices] = -np.inf
        best = np.argpartition(-scores, n - 1, axis=1)[:, :n]
        order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1)
        top[start : start + BATCH] = np.take_along_axis(best, order, axis=1)
    return top


def peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parties", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--smoke", action="store_true", help="2,000 parties, 20,000 lines")
    args = parser.parse_args()
    if args.smoke:
        args.parties, args.lines = 2_000, 20_000
    (party, item, day), simulated = timed(
        lambda: simulate_affinities(
            args.parties, args.items, CLUSTERS, lines=args.lines, days=DAYS, seed=1
        )
    )
    shape = (args.parties, args.items)
    X, built = timed(lambda: interaction_matrix(party, item, shape=shape))
    print(
        f"{args.parties:,} parties, {len(party):,} lines, {args.items:,} items "
        f"({X.nnz:,} party-item pairs); simulated in {simulated:.1f} s"
    )
    print(f"interaction matrix from the lines (shared): {built:.2f} s")

    model, fitted = timed(lambda: fit(X))
    ranking = popularity(X)
    top, discovered = timed(lambda: discover(model, X, TOP, fallback=ranking))
    due, rebought = timed(lambda: buy_again(party, item, day, DAYS))
    print(f"Patron fit ({model.kind_}): {fitted:.2f} s")
    print(f"Patron discover top {TOP} for every party: {discovered:.2f} s")
    print(
        f"Patron buy-again for every party: {rebought:.2f} s "
        f"({len(due.party):,} suggestions for {len(np.unique(due.party)):,} parties)"
    )
    baseline, base_seconds = timed(lambda: baseline_top(X))
    print(f"baseline co-occurrence scores X·(XᵀX), top {TOP} for every party: {base_seconds:.2f} s")
    first = min(1000, args.parties)
    same = np.mean(
        [
            len(np.intersect1d(a, b)) / TOP
            for a, b in zip(top[:first], baseline[:first], strict=True)
        ]
    )
    print(f"lists shared with the baseline's (first {first:,} parties): {same:.0%}")
    patron = fitted + discovered
    print(
        f"ratio to the baseline (Patron fit + discover / baseline; lower is better): "
        f"{patron / base_seconds:.2f}x; with buy-again {(patron + rebought) / base_seconds:.2f}x"
    )
    print(f"peak memory (ru_maxrss, whole process): {peak_megabytes():,.0f} MB")


if __name__ == "__main__":
    main()
