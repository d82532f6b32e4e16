"""Per-party purchase-day statistics, from one plain read of the orders.

A purchase day is a local calendar day with at least one order that was not cancelled or
failed. The orders are read once, as two numbers each (party and local day in one integer,
and spend), in chunks, and grouped into days and parties with numpy: a sort and a few linear
passes. Grouping in SQL (GROUP BY with window functions) took 8x as long as reading the rows,
and a third number per row a third longer (bench/score_end_to_end.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

from patron.commerce.models import NOT_PURCHASED, Order

_CHUNK = 65_536  # rows fetched at once: memory stays bounded by the arrays themselves
_UNIX_JULIAN_DAY = 2_440_588  # the Julian day number of 1970-01-01
# party × 2^20 + (day + 2^19): days from 1970 ± 1,435 years, parties below 2^33 stay exact
# through the float64 the rows are read into.
_DAY_BITS = 20
_DAY_BIAS = 2**19


@dataclass(frozen=True)
class PartyDays:
    party_id: np.ndarray
    first_day: np.ndarray  # datetime64[D]
    last_day: np.ndarray
    days: np.ndarray  # distinct purchase days
    orders: np.ndarray  # purchase orders (several can fall on one day)
    spend: np.ndarray  # in the business currency, net of refunds
    first_day_spend: np.ndarray
    calibration_days: np.ndarray  # purchase days on or before the calibration end
    calibration_last_day: np.ndarray  # NaT where none
    # Repeat purchase days per calendar day, of parties who first bought by calibration end:
    # the actual curve of the tracking chart.
    repeat_day: np.ndarray
    repeat_count: np.ndarray
    calibration_end: dt.date | None = None  # where the statistics above split the history


def _orders_sql() -> tuple[str, list]:
    """(party and local day as one integer, spend in the business currency) of each purchase
    order before the end; plain numbers, cheap to read."""
    excluded = ", ".join(["%s"] * len(NOT_PURCHASED))
    table = connection.ops.quote_name(Order._meta.db_table)
    spend = "CASE WHEN currency = %s THEN amount - refunded_amount ELSE 0 END"
    if connection.vendor == "postgresql":
        day = f"((occurred_at AT TIME ZONE %s)::date - DATE '1970-01-01' + {_DAY_BIAS})"
        day_params = [settings.TIME_ZONE]
        spend = f"({spend})::float8"
    else:
        # SQLite stores UTC text. Shifted by the zone's current UTC offset: exact for zones
        # without daylight saving (Asia/Seoul); elsewhere an order within an hour of midnight
        # on the far side of a DST change may land on the neighbouring day, which the models
        # do not feel.
        offset = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        day = _sqlite_local_day(minutes)
        day_params = []
    # Every order is read: SQLite's planner would walk the time index and fetch each row
    # through it, three times slower than reading the table straight (bench/score_end_to_end).
    straight = " NOT INDEXED" if connection.vendor == "sqlite" else ""
    key = f"party_id * {2**_DAY_BITS} + {day}"
    sql = (
        f"SELECT {key}, {spend} FROM {table}{straight} "
        f"WHERE status NOT IN ({excluded}) AND occurred_at < %s"
    )
    return sql, [*day_params, settings.PATRON_DEFAULT_CURRENCY, *NOT_PURCHASED]


def _sqlite_local_day(minutes: int) -> str:
    """The local day of occurred_at (UTC text) as days since 1970, plus _DAY_BIAS. From
    unixepoch() where SQLite has it (3.38): its integer seconds read a tenth faster than
    julianday()'s fraction of a day. The bias keeps the division's numerator positive for
    any year after 600, so dividing rounds down, as a day should."""
    if sqlite3.sqlite_version_info >= (3, 38):
        shift = minutes * 60 + _DAY_BIAS * 86_400
        return f"((unixepoch(occurred_at) + {shift}) / 86400)"
    return (
        f"(CAST(julianday(occurred_at, '{minutes:+d} minutes') + 0.5 AS INTEGER) "
        f"- {_UNIX_JULIAN_DAY} + {_DAY_BIAS})"
    )


def _read_orders(end: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    """(party and day keys, spends), sorted by key: by party, then day."""
    sql, params = _orders_sql()
    parts: list[np.ndarray] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, end])
        while rows := cursor.fetchmany(_CHUNK):
            flat = itertools.chain.from_iterable(rows)
            parts.append(np.fromiter(flat, dtype=float, count=2 * len(rows)).reshape(-1, 2))
    table = np.concatenate(parts) if parts else np.zeros((0, 2))
    key = table[:, 0].astype(np.int64)
    order = np.argsort(key, kind="stable")
    return key[order], table[order, 1]


def party_days(
    observation_end: dt.date, calibration_end: dt.date | Callable[[dt.date], dt.date]
) -> PartyDays:
    """Per-party purchase-day statistics, and the daily repeat counts. The calibration end
    can be a rule on the first purchase day of all, which the orders read here give: a
    query of its own would read every order once more (no index on time alone)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end_of_day = dt.datetime.combine(observation_end + dt.timedelta(days=1), dt.time(), zone)
    key, spend = _read_orders(end_of_day)
    if len(key) == 0:
        return _nobody()
    if callable(calibration_end):
        first_day = int(((key & (2**_DAY_BITS - 1)) - _DAY_BIAS).min())
        calibration_end = calibration_end(dt.date(1970, 1, 1) + dt.timedelta(days=first_day))
    # Purchase days: runs of one party's orders on one day.
    starts = _run_starts(key[1:] != key[:-1])
    day_party = key[starts] >> _DAY_BITS
    day_day = (key[starts] & (2**_DAY_BITS - 1)) - _DAY_BIAS
    day_orders = np.diff(np.r_[starts, len(key)])
    day_spend = np.add.reduceat(spend, starts)
    # Parties: runs of one party's purchase days.
    first = _run_starts(day_party[1:] != day_party[:-1])
    last = np.r_[first[1:], len(day_party)] - 1
    cal_end = (np.datetime64(calibration_end, "D") - np.datetime64(0, "D")).astype(np.int64)
    in_calibration = day_day <= cal_end
    calibration_last = np.maximum.reduceat(np.where(in_calibration, day_day, -(2**40)), first)
    calibration_days = np.add.reduceat(in_calibration.astype(np.int64), first)
    count = np.diff(np.r_[first, len(day_party)])
    # Repeat purchase days of parties who first bought by the calibration end, per day.
    repeat = np.ones(len(day_party), dtype=bool)
    repeat[first] = False
    repeat &= np.repeat(day_day[first] <= cal_end, count)
    repeat_day, repeat_count = np.unique(day_day[repeat], return_counts=True)
    return PartyDays(
        party_id=day_party[first],
        first_day=_days(day_day[first]),
        last_day=_days(day_day[last]),
        days=count.astype(float),
        orders=np.add.reduceat(day_orders, first).astype(float),
        spend=np.add.reduceat(day_spend, first),
        first_day_spend=day_spend[first],
        calibration_days=calibration_days.astype(float),
        calibration_last_day=np.where(
            calibration_days > 0, _days(calibration_last), np.datetime64("NaT", "D")
        ),
        repeat_day=_days(repeat_day),
        repeat_count=repeat_count.astype(float),
        calibration_end=calibration_end,
    )


def _run_starts(changes: np.ndarray) -> np.ndarray:
    """Where each run of equal keys starts, given where neighbours differ."""
    return np.flatnonzero(np.r_[True, changes])


def _nobody() -> PartyDays:
    no_days = np.zeros(0, dtype="datetime64[D]")
    none = np.zeros(0)
    return PartyDays(
        np.zeros(0, dtype=np.int64),
        no_days,
        no_days,
        none,
        none,
        none,
        none,
        none,
        no_days,
        no_days,
        none,
    )


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype("datetime64[D]")
