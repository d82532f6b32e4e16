"""Large generated exports for the tests that need volume (kills, progress, resumes)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

START = dt.date(2023, 1, 1)


def write_orders(
    path: Path,
    rows: int,
    seed: int = 7,
    products: tuple[str, ...] = ("Print 4x6", "Frame A4"),
    prefix: str = "O",
) -> Path:
    """A generic CSV export of `rows` orders from people with Korean names, deterministic for
    the seed. People differ in how often they buy and when they stop, as real buyers do, so
    the purchase models have something to learn."""
    rng = random.Random(seed)
    lines = ["Order ID,Date,Name,Email,Phone,Product,Amount"]
    person = 0
    while len(lines) <= rows:
        person += 1
        orders = 1 + int(rng.expovariate(1 / 8))
        first = rng.randrange(600)
        last = min(first + rng.randrange(1, 400), 700)
        for _ in range(orders):
            if len(lines) > rows:
                break
            day = START + dt.timedelta(days=rng.randrange(first, last))
            i = len(lines) - 1
            lines.append(
                f"{prefix}{i},{day.isoformat()} {10 + i % 9}:{i % 60:02d},고객{person},"
                f"c{person}@example.com,010-{1000 + person % 9000:04d}-{person // 9000:04d},"
                f"{products[i % len(products)]},{1000 + i % 50 * 500}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
