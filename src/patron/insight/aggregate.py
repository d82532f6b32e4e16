"""The one SQL aggregation a scoring run needs: per-party purchase-day statistics.

A purchase day is a local calendar day with at least one order that was not cancelled or
failed. The database groups orders into days and days into parties, so only one row per
party comes back, however many orders there are.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

from patron.commerce.models import NOT_PURCHASED


@dataclass(frozen=True)
class PartyDays:
    party_id: np.ndarray
    first_day: np.ndarray  # datetime64[D]
    last_day: np.ndarray
    days: np.ndarray  # distinct purchase days
    spend: np.ndarray  # in the business currency, net of refunds
    first_day_spend: np.ndarray
    calibration_days: np.ndarray  # purchase days on or before the calibration end
    calibration_last_day: np.ndarray  # NaT where none


def _local_day_sql() -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "(occurred_at AT TIME ZONE %s)::date", [settings.TIME_ZONE]
    # SQLite stores UTC text. Shift by the zone's current UTC offset: exact for zones without
    # daylight saving (Asia/Seoul); elsewhere an order within an hour of midnight on the far
    # side of a DST change may land on the neighbouring day, which the models do not feel.
    offset = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date(occurred_at, '{minutes:+d} minutes')", []


def _days_cte(observation_end: dt.date) -> tuple[str, list]:
    day, day_params = _local_day_sql()
    excluded = ", ".join(["%s"] * len(NOT_PURCHASED))
    sql = f"""
        WITH days AS (
            SELECT party_id, {day} AS day,
                   SUM(CASE WHEN currency = %s THEN amount - refunded_amount ELSE 0 END) AS spend
            FROM commerce_order
            WHERE status NOT IN ({excluded}) AND occurred_at < %s
            GROUP BY 1, 2
        ),
        ranked AS (
            SELECT party_id, day, spend,
                   ROW_NUMBER() OVER (PARTITION BY party_id ORDER BY day) AS nth,
                   MIN(day) OVER (PARTITION BY party_id) AS first_day
            FROM days
        )"""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end_of_day = dt.datetime.combine(observation_end + dt.timedelta(days=1), dt.time(), zone)
    params = [*day_params, settings.PATRON_DEFAULT_CURRENCY, *NOT_PURCHASED, end_of_day]
    return sql, params


def party_days(observation_end: dt.date, calibration_end: dt.date) -> PartyDays:
    cte, params = _days_cte(observation_end)
    sql = (
        cte
        + """
        SELECT party_id, MIN(day), MAX(day), COUNT(*), SUM(spend),
               SUM(CASE WHEN nth = 1 THEN spend ELSE 0 END),
               SUM(CASE WHEN day <= %s THEN 1 ELSE 0 END),
               MAX(CASE WHEN day <= %s THEN day END)
        FROM ranked GROUP BY party_id ORDER BY party_id"""
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, calibration_end, calibration_end])
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    return PartyDays(
        party_id=np.array(columns[0], dtype=np.int64),
        first_day=_dates(columns[1]),
        last_day=_dates(columns[2]),
        days=np.array(columns[3], dtype=float),
        spend=np.array([float(v or 0) for v in columns[4]]),
        first_day_spend=np.array([float(v or 0) for v in columns[5]]),
        calibration_days=np.array(columns[6], dtype=float),
        calibration_last_day=_dates(columns[7]),
    )


def repeat_days_by_day(observation_end: dt.date, born_by: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchase days per calendar day, for parties whose first purchase was by `born_by`."""
    cte, params = _days_cte(observation_end)
    sql = cte + " SELECT day, COUNT(*) FROM ranked WHERE nth > 1 AND first_day <= %s GROUP BY day"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, born_by])
        rows = cursor.fetchall()
    if not rows:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=float)
    days, counts = zip(*rows, strict=True)
    return _dates(days), np.array(counts, dtype=float)


def _dates(values) -> np.ndarray:
    return np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]")
