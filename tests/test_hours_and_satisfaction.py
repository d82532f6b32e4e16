"""Working-hour due times on Korea's calendar, and NPS/CSAT as their authors define them
(groundwork of the listening issue: a detractor is called back within 48 working hours)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from patron.analytics.satisfaction import csat, nps, nps_category
from patron.core.hours import NoWorkingHours, Pause, WorkingCalendar, due_at, working_hours_late

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
KOREA = WorkingCalendar()


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SEOUL)


def test_a_promise_made_on_friday_afternoon_falls_due_after_the_weekend():
    # Friday 2026-11-27 16:00 + 4 working hours: 2 on Friday, 2 on Monday from 09:00.
    assert KOREA.add(at(2026, 11, 27, 16), 4) == at(2026, 11, 30, 11)


def test_48_working_hours_skip_a_weekend_and_chuseok():
    # 2026-09-24 (Thu) to 09-26 (Sat) is 추석; 09-25 is a Friday holiday, then the weekend.
    assert KOREA.holiday_name(dt.date(2026, 9, 25))
    start = at(2026, 9, 23, 10)  # Wednesday, 10:00
    # 8 h on Wednesday; Thursday to Sunday closed; 9 h a day Monday 28th to Thursday 1st
    # (44 h); the last 4 h on Friday 2nd.
    due = KOREA.add(start, 48)
    assert due == at(2026, 10, 2, 13)
    assert KOREA.working_time(start, due) == dt.timedelta(hours=48)
    assert not any(KOREA.is_working_day(dt.date(2026, 9, day)) for day in (24, 25, 26, 27))


def test_a_promise_across_national_foundation_day_and_its_substitute_monday():
    # 2026-10-03 (Saturday) is 개천절; Monday 10-05 is its substitute holiday.
    assert KOREA.add(at(2026, 10, 2, 17), 2) == at(2026, 10, 6, 10)


def test_a_substitute_holiday_is_no_working_day():
    # 삼일절 2026 is a Sunday: Monday 2026-03-02 is its substitute holiday.
    assert not KOREA.is_working_day(dt.date(2026, 3, 2))
    assert KOREA.add(at(2026, 2, 27, 17), 2) == at(2026, 3, 3, 10)


def test_a_start_outside_working_hours_counts_from_the_next_opening():
    assert KOREA.add(at(2026, 12, 1, 22), 1) == at(2026, 12, 2, 10)
    assert KOREA.add(at(2026, 12, 5, 11), 1) == at(2026, 12, 7, 10)  # a Saturday


def test_a_pause_waiting_on_the_party_moves_the_due_time_by_its_working_hours():
    start = at(2026, 12, 1, 9)  # Tuesday
    plain = due_at(KOREA, start, 10)
    assert plain == at(2026, 12, 2, 10)
    paused = due_at(KOREA, start, 10, [Pause(at(2026, 12, 1, 14), at(2026, 12, 2, 9))])
    assert paused == at(2026, 12, 2, 14)  # four working hours stood still
    assert due_at(KOREA, start, 10, [Pause(at(2026, 12, 1, 14))]) is None  # still waiting


def test_how_late_is_counted_in_working_hours():
    due = at(2026, 12, 4, 17)  # Friday 17:00
    assert working_hours_late(KOREA, due, at(2026, 12, 7, 10)) == 2  # Friday 1 h, Monday 1 h
    assert working_hours_late(KOREA, due, at(2026, 12, 4, 12)) == 0


def test_a_calendar_without_working_hours_is_refused():
    with pytest.raises(NoWorkingHours):
        WorkingCalendar(opens=dt.time(18), closes=dt.time(9))
    never = WorkingCalendar(weekdays=frozenset({6}), extra_closed=frozenset())
    assert never.add(at(2026, 12, 1, 9), 1).weekday() == 6


# -- NPS and CSAT ------------------------------------------------------------------------------


def test_nps_counts_passives_in_the_denominator():
    # Bain's worked example: 10 answers, 5 promoters, 3 passives, 2 detractors -> 30.
    result = nps([10, 9, 9, 10, 9, 7, 8, 7, 3, 6])
    assert (result.promoters, result.passives, result.detractors) == (5, 3, 2)
    assert result.score == pytest.approx(30.0)
    assert nps([8, 7, 7]).score == 0.0  # passives only
    assert nps([]).score is None


def test_nps_categories_at_their_edges():
    assert [nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    with pytest.raises(ValueError):
        nps_category(11)


def test_csat_is_the_share_answering_four_or_five():
    result = csat([5, 4, 3, 2, 5])
    assert result.score == pytest.approx(60.0) and result.mean == pytest.approx(3.8)
    with pytest.raises(ValueError):
        csat([0])
