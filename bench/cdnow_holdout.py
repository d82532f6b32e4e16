"""The CDNOW holdout check (weeks 40–78) for every model, and its tracking chart for the docs.

.venv/bin/python bench/cdnow_holdout.py      # writes docs/cdnow-tracking.svg
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from patron.analytics import (  # noqa: E402
    BetaGeo,
    ModifiedBetaGeo,
    ParetoNBD,
    calibration_holdout,
    cumulative_tracking,
    holdout_forecast,
)
from patron.web.charts import tracking_chart  # noqa: E402

DATA = ROOT / "tests" / "data" / "CDNOW_sample.txt.gz"


def load():
    with gzip.open(DATA, "rt") as handle:
        rows = [line.split() for line in handle if line.strip()]
    party = np.array([int(r[1]) for r in rows])
    dates = np.array([f"{r[2][:4]}-{r[2][4:6]}-{r[2][6:]}" for r in rows], dtype="datetime64[D]")
    return party, dates, np.array([float(r[4]) for r in rows])


def main() -> None:
    party, dates, amount = load()
    split = calibration_holdout(
        party, dates, amount, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    cal = split.calibration
    start = np.datetime64("1997-01-01")
    births = (cal.first_purchase - start).astype(float) / 7
    # Every repeat purchase day of the cohort, in weeks since 1997-01-01.
    order = np.lexsort((dates, party))
    p, d = party[order], dates[order]
    keep = np.ones(len(p), dtype=bool)
    keep[1:] = (p[1:] != p[:-1]) | (d[1:] != d[:-1])
    p, d = p[keep], d[keep]
    first = np.ones(len(p), dtype=bool)
    first[1:] = p[1:] != p[:-1]
    repeat_weeks = (d[~first] - start).astype(float) / 7
    print(f"CDNOW 1/10 sample: {len(cal):,} parties; calibration to 1997-09-30, holdout 39 weeks")
    print(f"{'model':<12}{'predicted':>11}{'actual':>9}{'MAE/party':>11}")
    for name, model in (
        ("BG/NBD", BetaGeo()),
        ("MBG/NBD", ModifiedBetaGeo()),
        ("Pareto/NBD", ParetoNBD()),
    ):
        model.fit(cal.frequency, cal.recency, cal.T)
        forecast = holdout_forecast(model, split)
        print(
            f"{name:<12}{forecast.predicted_total:>11,.0f}{forecast.actual_total:>9,.0f}"
            f"{forecast.mean_absolute_error:>11.3f}"
        )
        if name == "BG/NBD":
            curve = cumulative_tracking(model, births, repeat_weeks, end=78, calibration_end=39)
    svg = tracking_chart(
        curve.actual.tolist(),
        curve.predicted.tolist(),
        39,
        "CDNOW: cumulative repeat purchases, actual and BG/NBD forecast",
        ("actual", "forecast", "holdout"),
    )
    target = ROOT / "docs" / "cdnow-tracking.svg"
    target.write_text(str(svg).replace("<svg ", '<svg style="background:#fff" ', 1) + "\n")
    print(
        f"week 78: actual {curve.actual[-1]:,.0f}, forecast {curve.predicted[-1]:,.0f}; "
        f"chart written to {target.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
