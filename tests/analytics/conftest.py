from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from patron.analytics import calibration_holdout

CDNOW = Path(__file__).parents[1] / "data" / "CDNOW_sample.txt.gz"


@pytest.fixture(scope="session")
def cdnow_transactions():
    """The CDNOW 1/10 sample of Fader, Hardie & Lee (2005), as Bruce Hardie distributes it
    (see tests/data/README.md): sample customer id, date, dollar value."""
    with gzip.open(CDNOW, "rt") as handle:
        rows = [line.split() for line in handle if line.strip()]
    party = np.array([int(row[1]) for row in rows])
    dates = np.array([f"{r[2][:4]}-{r[2][4:6]}-{r[2][6:]}" for r in rows], dtype="datetime64[D]")
    amount = np.array([float(row[4]) for row in rows])
    return party, dates, amount


@pytest.fixture(scope="session")
def cdnow(cdnow_transactions):
    party, dates, amount = cdnow_transactions
    return calibration_holdout(
        party, dates, amount, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
