"""What a message caused: those it was sent to against a random holdout that was not sent it.

Because the holdout is drawn at random from the same audience, after the checks that decide
who may be sent anything, the difference between the two groups estimates what sending did
(the average treatment effect on that audience). Two figures per window:

- the purchase rate (share of the group who bought at least once): a difference of two
  proportions, with the Agresti–Caffo interval (add one success and one failure to each group
  before the Wald interval; Agresti & Caffo 2000, "Simple and effective confidence intervals
  for proportions and differences of proportions result from adding two successes and two
  failures", The American Statistician 54(4)), which keeps close to its 95% for the small
  holdouts a small business has, where the plain Wald interval is too narrow;
- revenue per party (zero for those who bought nothing): a difference of two means with
  Welch's standard error and the normal quantile. Revenue is skewed, so the interval is
  trustworthy only with some tens of buyers in each group: ``enough`` says when it is not.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

Z95 = NormalDist().inv_cdf(0.975)
MIN_BUYERS = 20  # fewer buyers in a group: revenue's interval is not to be trusted


@dataclass(frozen=True)
class Lift:
    sent: float  # the figure in the group sent the message
    held: float  # in the holdout
    difference: float  # sent - held
    low: float  # its 95% interval
    high: float
    enough: bool = True

    @property
    def verdict(self) -> str:
        """ "up" or "down" when the interval excludes no effect, else "unclear"."""
        if self.low > 0:
            return "up"
        if self.high < 0:
            return "down"
        return "unclear"


def proportion_lift(bought_sent: int, n_sent: int, bought_held: int, n_held: int) -> Lift:
    """The difference of two purchase rates with the Agresti–Caffo 95% interval."""
    if n_sent <= 0 or n_held <= 0:
        raise ValueError("both groups need someone in them")
    rate_sent, rate_held = bought_sent / n_sent, bought_held / n_held
    p1 = (bought_sent + 1) / (n_sent + 2)
    p2 = (bought_held + 1) / (n_held + 2)
    centre = p1 - p2
    se = math.sqrt(p1 * (1 - p1) / (n_sent + 2) + p2 * (1 - p2) / (n_held + 2))
    return Lift(
        rate_sent,
        rate_held,
        rate_sent - rate_held,
        max(centre - Z95 * se, -1.0),
        min(centre + Z95 * se, 1.0),
    )


def mean_lift(sent: np.ndarray, held: np.ndarray) -> Lift:
    """The difference of two means (revenue per party) with Welch's 95% interval."""
    sent, held = np.asarray(sent, dtype=float), np.asarray(held, dtype=float)
    if len(sent) < 2 or len(held) < 2:
        raise ValueError("both groups need two people or more")
    difference = float(sent.mean() - held.mean())
    se = math.sqrt(sent.var(ddof=1) / len(sent) + held.var(ddof=1) / len(held))
    enough = int((sent > 0).sum()) >= MIN_BUYERS and int((held > 0).sum()) >= MIN_BUYERS
    return Lift(
        float(sent.mean()),
        float(held.mean()),
        difference,
        difference - Z95 * se,
        difference + Z95 * se,
        enough,
    )


def in_holdout(seed: str, party_id: int, percent: float) -> bool:
    """Whether a party is in a mailing's holdout: a fixed draw per (mailing, party), so a
    cadence keeps the same people out every time, and a plan run twice draws the same."""
    if percent <= 0:
        return False
    digest = hashlib.blake2b(f"{seed}:{party_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 10_000 < percent * 100
