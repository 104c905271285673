"""Working days (工作日) for the sharing deadlines: Monday to Friday, less the public holidays,
plus the weekend days the State Council's holiday notice makes working days (调休上班).

A deadline of N working days from a request is the end (24:00, city time) of the Nth working
day after the day it came in: a request on Friday with 2 working days is due at the end of
Tuesday. The calendar is a JSON file the joint-meeting office keeps (one entry per year):
``{"2026": {"holidays": ["2026-01-01", ...], "workdays": ["2026-01-04", ...]}}``; a year it
lacks counts Monday to Friday, with a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CITY_ZONE = ZoneInfo("Asia/Shanghai")
log = logging.getLogger(__name__)


class CalendarError(ValueError):
    """The holiday calendar file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    #: weekend days worked instead of a holiday (调休)
    workdays: frozenset[date] = field(default_factory=frozenset)
    #: the years the file covers: a deadline beyond them would be a guess
    years: frozenset[int] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
        if days < 1:
            raise ValueError(f"a deadline needs at least one working day, not {days}")
        day, left = start, days
        while left:
            day += timedelta(days=1)
            self._covers(day)
            if self.is_working_day(day):
                left -= 1
        return day

    def deadline(self, received: datetime, days: int) -> datetime:
        """When a request ``received`` (aware) with ``days`` working days is due: the end of
        that working day in the city, as an aware UTC-convertible datetime."""
        if received.tzinfo is None:
            raise ValueError("received must be an aware datetime")
        local = received.astimezone(CITY_ZONE).date()
        due = self.add_working_days(local, days) + timedelta(days=1)
        return datetime.combine(due, time(), CITY_ZONE)

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Whole working days from ``now``'s day to ``due`` (0 on the last day, negative once
        overdue: the working days it is late)."""
        today = now.astimezone(CITY_ZONE).date()
        last = (due.astimezone(CITY_ZONE) - timedelta(microseconds=1)).date()
        if today <= last:
            return sum(1 for d in _days(today, last) if self.is_working_day(d))
        return -sum(1 for d in _days(last, today) if self.is_working_day(d))

    def _covers(self, day: date) -> None:
        # A year the file lacks counts Monday to Friday: a deadline a holiday would have moved
        # comes earlier, never later, and the office is told to complete the file.
        if self.years and day.year not in self.years:
            log.warning("the holiday calendar has no entry for %d: counting Monday to Friday; "
                        "add that year's holidays and make-up working days (the State "
                        "Council's notice) to the calendar file", day.year)  # fmt: skip


def _days(first: date, last: date) -> Iterable[date]:
    """The days after ``first`` up to ``last``."""
    day = first
    while day < last:
        day += timedelta(days=1)
        yield day


def load_calendar(path: Path) -> WorkCalendar:
    try:
        years = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CalendarError(f"holiday calendar {path}: {error}") from None
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year, entry in years.items():
        if year.startswith("_"):  # comments
            continue
        for name, into in (("holidays", holidays), ("workdays", workdays)):
            for text in entry.get(name, []):
                try:
                    day = date.fromisoformat(text)
                except ValueError:
                    raise CalendarError(
                        f"holiday calendar {path}: {year}.{name} has {text!r}, not a YYYY-MM-DD "
                        "date"
                    ) from None
                if str(day.year) != year:
                    raise CalendarError(f"holiday calendar {path}: {text} is listed under {year}")
                into.add(day)
    covered = frozenset(int(year) for year in years if not year.startswith("_"))
    return WorkCalendar(frozenset(holidays), frozenset(workdays), covered)
