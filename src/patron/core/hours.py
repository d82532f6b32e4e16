"""Business hours: when a promise made in working time falls due (a detractor called back
within 48 business hours), counted on the business's working days and hours, without its
country's public holidays (substitute holidays included), and paused while the business
waits on the other party.

Pure date arithmetic on aware datetimes; the calendar of public holidays is the `holidays`
package's (kept by its maintainers, Korea's lunar holidays and substitute days included).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import holidays

# A due time is found by walking the working days: this many days at most (ten years), so
# that a calendar with no working hours at all is refused instead of searched forever.
_MAX_DAYS = 3660


class NoWorkingHours(ValueError):
    """A calendar without any working hours: nothing can ever fall due in it."""


@dataclass(frozen=True)
class WorkingCalendar:
    """When the business works: its time zone, its opening and closing time, its working
    weekdays (Monday is 0) and its country's public holidays."""

    time_zone: str = "Asia/Seoul"
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(18, 0)
    weekdays: frozenset[int] = frozenset(range(5))
    country: str = "KR"
    extra_closed: frozenset[dt.date] = field(default_factory=frozenset)  # the shop's own days

    def __post_init__(self) -> None:
        if self.closes <= self.opens or not self.weekdays:
            raise NoWorkingHours(self.opens, self.closes)

    @cached_property
    def zone(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.country) if self.country else holidays.HolidayBase()

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.weekdays
            and day not in self.extra_closed
            and day not in self._holidays
        )

    def holiday_name(self, day: dt.date) -> str | None:
        return self._holidays.get(day)

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        opens = dt.datetime.combine(day, self.opens, tzinfo=self.zone)
        closes = dt.datetime.combine(day, self.closes, tzinfo=self.zone)
        return opens, closes

    def working_time(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The working time between two moments (zero when end is before start)."""
        total = dt.timedelta()
        if end <= start:
            return total
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                overlap = min(closes, end) - max(opens, start)
                if overlap > dt.timedelta():
                    total += overlap
            day += dt.timedelta(days=1)
        return total

    def add(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` of working time after `start` (a start outside working hours
        counts from the next opening)."""
        left = dt.timedelta(hours=hours)
        day = start.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin = max(opens, start)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day += dt.timedelta(days=1)
        raise NoWorkingHours(self.opens, self.closes)


@dataclass(frozen=True)
class Pause:
    """A time the clock stood still (waiting on the party); an open pause has no end."""

    start: dt.datetime
    end: dt.datetime | None = None


def due_at(
    calendar: WorkingCalendar,
    start: dt.datetime,
    hours: float,
    pauses: Iterable[Pause] = (),
) -> dt.datetime | None:
    """When `hours` of working time from `start` run out, the working time inside pauses not
    counted. None while a pause is open (the clock is stopped: nothing is due)."""
    due = calendar.add(start, hours)
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start >= due:
            break
        if pause.end is None:
            return None
        stopped = calendar.working_time(max(pause.start, start), pause.end)
        due = calendar.add(due, stopped.total_seconds() / 3600)
    return due


def working_hours_late(calendar: WorkingCalendar, due: dt.datetime, now: dt.datetime) -> float:
    """How many working hours past its due time something is (0 when not yet due)."""
    return calendar.working_time(due, now).total_seconds() / 3600
