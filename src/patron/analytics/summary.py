"""Per-party sufficient statistics of the buy-till-you-die models, from raw transactions.

References: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing
Science 24(2); the frequency/recency/T convention of their CDNOW analysis and of BTYD/lifetimes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}


@dataclass(frozen=True)
class Summary:
    """Arrays aligned by party: one element per party that made at least one purchase."""

    party_id: np.ndarray
    frequency: np.ndarray  # repeat purchase days (distinct purchase days minus one)
    recency: np.ndarray  # time from the first to the last purchase day
    T: np.ndarray  # time from the first purchase day to the end of observation
    monetary: np.ndarray  # mean spend of the repeat purchase days; 0 where frequency is 0
    first_purchase: np.ndarray  # datetime64[D]

    def __len__(self) -> int:
        return len(self.party_id)


def _days(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def _unit(time_unit: str) -> float:
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be one of {', '.join(UNIT_DAYS)}, not {time_unit!r}")
    return UNIT_DAYS[time_unit]


def _by_party_and_day(party_ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The order that sorts transactions by party, then day. Integer party ids make one int64
    key, sorted stably (timsort): exports usually list a party's transactions together, and
    timsort takes such runs as they come, several times faster than a lexsort."""
    if len(days) == 0 or not np.issubdtype(party_ids.dtype, np.integer):
        return np.lexsort((days, party_ids))
    day = days.astype(np.int64)
    low, span = int(day.min()), int(day.max()) - int(day.min()) + 1
    least, most = int(party_ids.min()), int(party_ids.max())
    if (most - least + 1) * span >= 2**62:
        return np.lexsort((days, party_ids))
    key = (party_ids.astype(np.int64) - least) * span + (day - low)
    return np.argsort(key, kind="stable")


def summarize(party_ids, occurred_at, amounts=None, *, observation_end, time_unit: str = "W"):
    """Frequency, recency, age (T) and mean repeat spend per party.

    Purchases on the same day count once, with their amounts summed. Transactions after
    `observation_end` (a date; the whole day is inside) are ignored.
    """
    party_ids = np.asarray(party_ids)
    days = _days(occurred_at)
    values = np.zeros(len(days)) if amounts is None else np.asarray(amounts, dtype=float)
    if not (len(party_ids) == len(days) == len(values)):
        raise ValueError("party_ids, occurred_at and amounts must have the same length")
    end = np.datetime64(observation_end, "D")
    keep = days <= end
    party_ids, days, values = party_ids[keep], days[keep], values[keep]
    order = _by_party_and_day(party_ids, days)
    party_ids, days, values = party_ids[order], days[order], values[order]
    # One row per (party, day): amounts on the same day are summed.
    new_day = np.ones(len(days), dtype=bool)
    new_day[1:] = (party_ids[1:] != party_ids[:-1]) | (days[1:] != days[:-1])
    day_starts = np.flatnonzero(new_day)
    day_party, day_date = party_ids[day_starts], days[day_starts]
    day_spend = np.add.reduceat(values, day_starts) if len(values) else values
    new_party = np.ones(len(day_party), dtype=bool)
    new_party[1:] = day_party[1:] != day_party[:-1]
    starts = np.flatnonzero(new_party)
    ends = np.append(starts[1:], len(day_party)) - 1
    unit = _unit(time_unit)
    first, last = day_date[starts], day_date[ends]
    frequency = (ends - starts).astype(float)
    total = np.add.reduceat(day_spend, starts) if len(day_spend) else day_spend
    repeat_spend = total - day_spend[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)
    return Summary(
        party_id=day_party[starts],
        frequency=frequency,
        recency=(last - first).astype(float) / unit,
        T=(end - first).astype(float) / unit,
        monetary=monetary,
        first_purchase=first,
    )


@dataclass(frozen=True)
class CalibrationHoldout:
    calibration: Summary
    holdout_frequency: np.ndarray  # purchase days in the holdout period, aligned with calibration
    holdout_duration: float  # length of the holdout period in time units


def calibration_holdout(
    party_ids, occurred_at, amounts=None, *, calibration_end, observation_end, time_unit="W"
) -> CalibrationHoldout:
    """Split transactions at `calibration_end`: fit on the first part, check on the second.

    Only parties whose first purchase falls in the calibration period are kept, as in the
    papers' CDNOW analysis; their distinct purchase days after it are the holdout counts.
    """
    party_ids = np.asarray(party_ids)
    days = _days(occurred_at)
    values = np.zeros(len(days)) if amounts is None else np.asarray(amounts, dtype=float)
    cal_end = np.datetime64(calibration_end, "D")
    obs_end = np.datetime64(observation_end, "D")
    calibration = summarize(party_ids, days, values, observation_end=cal_end, time_unit=time_unit)
    later = (days > cal_end) & (days <= obs_end)
    holdout = summarize(
        party_ids[later], days[later], values[later], observation_end=obs_end, time_unit=time_unit
    )
    position = {pid: i for i, pid in enumerate(calibration.party_id.tolist())}
    counts = np.zeros(len(calibration))
    for pid, frequency in zip(holdout.party_id.tolist(), holdout.frequency, strict=True):
        index = position.get(pid)
        if index is not None:
            counts[index] = frequency + 1  # every purchase day in the holdout counts
    return CalibrationHoldout(
        calibration=calibration,
        holdout_frequency=counts,
        holdout_duration=float((obs_end - cal_end).astype(float) / _unit(time_unit)),
    )
