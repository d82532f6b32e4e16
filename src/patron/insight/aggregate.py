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
    orders: np.ndarray  # purchase orders (several can fall on one day)
    spend: np.ndarray  # in the business currency, net of refunds
    first_day_spend: np.ndarray
    calibration_days: np.ndarray  # purchase days on or before the calibration end
    calibration_last_day: np.ndarray  # NaT where none
    # Repeat purchase days per calendar day, of parties who first bought by calibration end:
    # the actual curve of the tracking chart.
    repeat_day: np.ndarray
    repeat_count: np.ndarray


def _local_day_sql() -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "(occurred_at AT TIME ZONE %s)::date", [settings.TIME_ZONE]
    # SQLite stores UTC text. Shift by the zone's current UTC offset: exact for zones without
    # daylight saving (Asia/Seoul); elsewhere an order within an hour of midnight on the far
    # side of a DST change may land on the neighbouring day, which the models do not feel.
    offset = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date(occurred_at, '{minutes:+d} minutes')", []


def _materialized() -> str:
    """Compute the CTEs once for both result sets (PostgreSQL 12+, SQLite 3.35+)."""
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 35):
        return ""
    return "MATERIALIZED"


def party_days(observation_end: dt.date, calibration_end: dt.date) -> PartyDays:
    """Per-party purchase-day statistics, and the daily repeat counts, in one query."""
    day, day_params = _local_day_sql()
    excluded = ", ".join(["%s"] * len(NOT_PURCHASED))
    materialized = _materialized()
    sql = f"""
        WITH days AS {materialized} (
            SELECT party_id, {day} AS day, COUNT(*) AS orders,
                   SUM(CASE WHEN currency = %s THEN amount - refunded_amount ELSE 0 END) AS spend
            FROM commerce_order
            WHERE status NOT IN ({excluded}) AND occurred_at < %s
            GROUP BY 1, 2
        ),
        ranked AS {materialized} (
            SELECT party_id, day, orders, spend,
                   ROW_NUMBER() OVER (PARTITION BY party_id ORDER BY day) AS nth,
                   MIN(day) OVER (PARTITION BY party_id) AS first_day
            FROM days
        )
        SELECT 0, party_id, MIN(day), MAX(day), COUNT(*), SUM(orders), SUM(spend),
               SUM(CASE WHEN nth = 1 THEN spend ELSE 0 END),
               SUM(CASE WHEN day <= %s THEN 1 ELSE 0 END),
               MAX(CASE WHEN day <= %s THEN day END)
        FROM ranked GROUP BY party_id
        UNION ALL
        SELECT 1, NULL, day, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL
        FROM ranked WHERE nth > 1 AND first_day <= %s GROUP BY day"""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end_of_day = dt.datetime.combine(observation_end + dt.timedelta(days=1), dt.time(), zone)
    params = [
        *day_params,
        settings.PATRON_DEFAULT_CURRENCY,
        *NOT_PURCHASED,
        end_of_day,
        calibration_end,
        calibration_end,
        calibration_end,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    parties = sorted((row for row in rows if row[0] == 0), key=lambda row: row[1])
    repeats = [row for row in rows if row[0] == 1]
    columns = list(zip(*parties, strict=True)) if parties else [()] * 10
    return PartyDays(
        party_id=np.array(columns[1], dtype=np.int64),
        first_day=_dates(columns[2]),
        last_day=_dates(columns[3]),
        days=np.array(columns[4], dtype=float),
        orders=np.array(columns[5], dtype=float),
        spend=np.array([float(v or 0) for v in columns[6]]),
        first_day_spend=np.array([float(v or 0) for v in columns[7]]),
        calibration_days=np.array(columns[8], dtype=float),
        calibration_last_day=_dates(columns[9]),
        repeat_day=_dates([row[2] for row in repeats]),
        repeat_count=np.array([row[4] for row in repeats], dtype=float),
    )


def _dates(values) -> np.ndarray:
    return np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]")
