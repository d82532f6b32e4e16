"""Net Promoter Score and customer satisfaction, as their authors define them.

NPS (Reichheld, "The One Number You Need to Grow", Harvard Business Review, 2003; Bain &
Company's definition): answers 0–10 to "How likely are you to recommend ...?"; promoters answer
9 or 10, passives 7 or 8, detractors 0 to 6; NPS = % promoters − % detractors, every answer
(passives too) in the denominator, so it runs from −100 to +100.

CSAT: answers 1–5 to "How satisfied were you with ...?"; the share answering 4 or 5
("satisfied" or "very satisfied"), in percent, with the mean beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Nps:
    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        """−100 to +100; None without answers."""
        if not self.answers:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.answers


def nps_category(score: int) -> str:
    """promoter, passive or detractor, for an answer 0–10."""
    if not 0 <= score <= 10:
        raise ValueError(score)
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def nps(scores: Iterable[int]) -> Nps:
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for score in scores:
        counts[nps_category(score)] += 1
    return Nps(sum(counts.values()), counts["promoter"], counts["passive"], counts["detractor"])


@dataclass(frozen=True)
class Csat:
    answers: int
    satisfied: int  # answered 4 or 5
    total: int  # sum of the answers

    @property
    def score(self) -> float | None:
        """The share satisfied, 0–100; None without answers."""
        return 100.0 * self.satisfied / self.answers if self.answers else None

    @property
    def mean(self) -> float | None:
        return self.total / self.answers if self.answers else None


def csat(scores: Iterable[int]) -> Csat:
    answers = satisfied = total = 0
    for score in scores:
        if not 1 <= score <= 5:
            raise ValueError(score)
        answers += 1
        satisfied += score >= 4
        total += score
    return Csat(answers, satisfied, total)
