"""Does the discover list beat best-sellers? Recall@10 and NDCG@10 on a time split.

    cd bench && ../.venv/bin/python recommend_quality.py [--smoke] [--demo-parties N] [--csv PATH]

Measured: the order lines are split in time — the last 20% of lines (by day) are held out —
Patron's recommender (`recommend.fit`: EASE below 15,000 items, item-item above; best-sellers
fill a short list, as the product shows it) and the popularity baseline each suggest 10 items
per party from the lines before the split, and each is scored on the items the party bought
after the split that it had never bought before. Only parties with a purchase before and a
new item after are evaluated. Means come with 95% paired bootstrap intervals over parties
(1,000 resamples, seeded), and so does the paired difference model − popularity.

Data sets: (a) a simulated shop with known item affinities (`simulate_affinities`: 20,000
parties, 500 items in 20 clusters, 70% of each party's lines in its own cluster; `--smoke`:
400 parties); (b) the demo studio (`patron demo`, 5,000 parties; `--smoke`: 300), loaded
into a fresh SQLite database and read by the product's own reader
(`loyalty.recommendations.interactions`: purchased lines and services that took place);
(c) a real catalogue from `--csv PATH` with a header and columns party,item,day (day an ISO
date or a day number; party and item any labels), for instance an export of a shop.

The last line is the verdict, read only from the 95% interval of the NDCG@10 difference
("yes" above 0, "no" below, "tie" across): for the CSV when one is given, else for the
demo studio (the kind of data an owner has), else for the simulated shop.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from patron.analytics.recommend import (
    Comparison,
    Estimate,
    compare,
    recommend_by_model,
    recommend_popular,
    simulate_affinities,
    time_split,
)

HELD_OUT_SHARE = 0.2
ITEMS = 500
CLUSTERS = 20
AFFINITY = 0.7


def split_day(day: np.ndarray) -> int:
    """The first day of the last HELD_OUT_SHARE of lines (by day)."""
    return int(np.quantile(day, 1.0 - HELD_OUT_SHARE, method="higher"))


def read_lines(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """party,item,day rows as index arrays; labels numbered in sorted order."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [(r["party"], r["item"], r["day"]) for r in csv.DictReader(handle)]
    if not rows:
        raise SystemExit(f"{path}: no lines")
    parties, items, days = (np.array(column) for column in zip(*rows, strict=True))
    _, party_idx = np.unique(parties, return_inverse=True)
    _, item_idx = np.unique(items, return_inverse=True)
    return party_idx, item_idx, day_numbers(days)


def day_numbers(days: np.ndarray) -> np.ndarray:
    try:
        return days.astype(np.int64)
    except ValueError:
        return days.astype("datetime64[D]").astype(np.int64)


def interval(estimate: Estimate, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{estimate.mean:{sign}.3f} [{estimate.low:{sign}.3f}, {estimate.high:{sign}.3f}]"


def report(title: str, party, item, day, shape=None) -> Comparison:
    split = time_split(party, item, day, split_day(day), shape=shape)
    result = compare(recommend_by_model, recommend_popular, split)
    n_items = split.train.shape[1]
    print(title)
    print(
        f"  {len(party):,} lines, {split.train.shape[0]:,} parties, {n_items:,} items; "
        f"split day {split.split_day}; parties evaluated {result.parties:,}"
    )
    for name, model, popular, difference in (
        ("recall@10", result.model_recall, result.popularity_recall, result.recall_difference),
        ("NDCG@10", result.model_ndcg, result.popularity_ndcg, result.ndcg_difference),
    ):
        print(
            f"  {name:<9}  model {interval(model)}  popularity {interval(popular)}  "
            f"difference {interval(difference, signed=True)}"
        )
    print(f"  verdict from the NDCG@10 difference's 95% interval: {result.verdict}")
    return result


def demo_studio(parties: int, seed: int):
    """The demo studio's lines as the product reads them, from a fresh database."""
    import tempfile

    from outreach_common import setup_django

    setup_django(Path(tempfile.mkdtemp(prefix="patron-recommend-")))
    from patron.demo import do_load_demo
    from patron.loyalty.recommendations import interactions

    do_load_demo(seed=seed, parties=parties)
    party_ids, offering_ids, day = interactions()
    _, party_idx = np.unique(party_ids, return_inverse=True)
    _, item_idx = np.unique(offering_ids, return_inverse=True)
    return party_idx, item_idx, day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parties", type=int, default=20_000)
    parser.add_argument("--smoke", action="store_true", help="400 simulated parties")
    parser.add_argument("--csv", type=Path, help="order lines: party,item,day with a header")
    parser.add_argument(
        "--demo-parties", type=int, default=5000, help="the demo studio's size (0: skip it)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    parties = 400 if args.smoke else args.parties
    simulated = simulate_affinities(parties, ITEMS, CLUSTERS, affinity=AFFINITY, seed=args.seed)
    decisive = report(
        f"(a) simulated shop: {ITEMS} items in {CLUSTERS} clusters, "
        f"{AFFINITY:.0%} of a party's lines in its own cluster",
        *simulated,
        shape=(parties, ITEMS),
    )
    studio = 300 if args.smoke else args.demo_parties
    if studio:
        decisive = report(
            f"(b) the demo studio ({studio:,} parties, seed 7)", *demo_studio(studio, 7)
        )
    else:
        print("(b) skipped: --demo-parties 0")
    if args.csv is None:
        print("(c) skipped: give --csv PATH (columns party,item,day) for a real catalogue")
    else:
        decisive = report(f"(c) {args.csv}", *read_lines(args.csv))
    print(f"model beats popularity: {decisive.verdict}")


if __name__ == "__main__":
    main()
