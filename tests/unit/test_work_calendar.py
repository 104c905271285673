"""Working-day deadlines: weekends, public holidays and make-up working days (调休)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

import pytest

from streams.governance.calendar import CITY_ZONE, CalendarError, WorkCalendar, load_calendar
from streams.settings import HubSettings

CALENDAR = load_calendar(HubSettings().schemas_path / "codes" / "holidays.cn.json")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CITY_ZONE)


def test_two_working_days_from_a_friday_end_on_tuesday() -> None:
    # 2026-11-27 is a Friday: Monday 30th and Tuesday 1st are the two working days
    assert CALENDAR.deadline(at("2026-11-27 15:00"), 2) == at("2026-12-02 00:00")


def test_a_holiday_week_is_skipped_and_a_make_up_saturday_counts() -> None:
    # Received Wednesday 2026-09-30: 1-7 October are National Day holidays, Thursday the 8th
    # and Friday the 9th are working days, Saturday 10 October is worked (调休)
    assert CALENDAR.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CALENDAR.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert CALENDAR.deadline(at("2026-09-30 09:00"), 5) == at("2026-10-14 00:00")


def test_the_deadline_is_the_city_day_whatever_the_zone_it_came_in() -> None:
    # 2026-11-26 17:30 UTC is already Friday the 27th in the city
    received = datetime.fromisoformat("2026-11-26T17:30:00+00:00")
    assert CALENDAR.deadline(received, 2) == at("2026-12-02 00:00")


def test_working_days_left_counts_down_to_zero_then_late() -> None:
    due = CALENDAR.deadline(at("2026-11-27 10:00"), 2)  # end of Tuesday 1 December
    assert CALENDAR.working_days_left(at("2026-11-28 10:00"), due) == 2  # a Saturday
    assert CALENDAR.working_days_left(at("2026-11-30 10:00"), due) == 1
    assert CALENDAR.working_days_left(at("2026-12-01 23:59"), due) == 0
    assert CALENDAR.working_days_left(at("2026-12-02 08:00"), due) == -1
    assert CALENDAR.working_days_left(at("2026-12-05 08:00"), due) == -3  # Sat: still 3 late


def test_a_year_the_file_lacks_counts_weekdays_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert CALENDAR.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert "no entry for 2027" in caplog.text


def test_a_bad_date_in_the_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"2026": {"holidays": ["2026-02-30"]}}), encoding="utf-8")
    with pytest.raises(CalendarError, match=r"2026\.holidays has '2026-02-30'"):
        load_calendar(path)


def test_no_working_day_deadline_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        WorkCalendar().add_working_days(date(2026, 1, 5), 0)
