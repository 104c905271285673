"""Event-time windows of the hub's aggregates, on the city's calendar (Asia/Shanghai).

Tumbling windows (day, ISO week from Monday, month, quarter, year) are half-open ``[start, end)``
intervals of local time; a late event (an injury recognised weeks after it happened) belongs to
the window of its *occurred* time, however late it arrives. Rolling 30- and 90-day windows are
read off the daily windows: the window "as of" a day covers that day and the 29 (89) before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

CITY_ZONE = ZoneInfo("Asia/Shanghai")


class WindowKind(StrEnum):
    """The symbols of ``hub.aggregate``'s WindowKind."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    ROLLING_30D = "ROLLING_30D"
    ROLLING_90D = "ROLLING_90D"


TUMBLING = (WindowKind.DAY, WindowKind.WEEK, WindowKind.MONTH, WindowKind.QUARTER, WindowKind.YEAR)
ROLLING_DAYS = {WindowKind.ROLLING_30D: 30, WindowKind.ROLLING_90D: 90}


@dataclass(frozen=True, order=True)
class Window:
    kind: WindowKind
    start: datetime  # aware, local midnight, inclusive
    end: datetime  # aware, local midnight, exclusive

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end

    @cached_property
    def label(self) -> str:
        """How people name it: 2025-03-14, 2025-W11, 2025-03, 2025-Q1, 2025, or the range."""
        first = self.start.date()
        match self.kind:
            case WindowKind.DAY:
                return first.isoformat()
            case WindowKind.WEEK:
                year, week, _ = first.isocalendar()
                return f"{year}-W{week:02d}"
            case WindowKind.MONTH:
                return f"{first:%Y-%m}"
            case WindowKind.QUARTER:
                return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
            case WindowKind.YEAR:
                return str(first.year)
        last = (self.end - timedelta(days=1)).date()
        return f"{first.isoformat()}..{last.isoformat()}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CITY_ZONE)


def _first_of_month(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def tumbling(kind: WindowKind, moment: datetime) -> Window:
    """The ``kind`` window that holds ``moment`` (an aware datetime, any zone)."""
    return tumbling_of_day(kind, local_day(moment))


def local_day(moment: datetime) -> date:
    """The city's day ``moment`` (aware, any zone) falls on."""
    if moment.tzinfo is None:
        raise ValueError("windows are on event time: give an aware datetime")
    return moment.astimezone(CITY_ZONE).date()


#: a year's windows of every kind (365 days, 53 weeks, ...) with room for late events
@lru_cache(maxsize=2048)
def tumbling_of_day(kind: WindowKind, day: date) -> Window:
    """The ``kind`` window that holds local day ``day``. The same day's window is asked for
    again and again (every contribution rolls up through five), so it is made once, label and
    all."""
    match kind:
        case WindowKind.DAY:
            first, after = day, day + timedelta(days=1)
        case WindowKind.WEEK:
            first = day - timedelta(days=day.weekday())
            after = first + timedelta(days=7)
        case WindowKind.MONTH:
            first = day.replace(day=1)
            after = _first_of_month(day.year, day.month + 1)
        case WindowKind.QUARTER:
            first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            after = _first_of_month(first.year, first.month + 3)
        case WindowKind.YEAR:
            first, after = date(day.year, 1, 1), date(day.year + 1, 1, 1)
        case _:
            raise ValueError(f"{kind} is not a tumbling window; use rolling()")
    return Window(kind, _midnight(first), _midnight(after))


def tumbling_windows(moment: datetime) -> list[Window]:
    """Every tumbling window that holds ``moment``, day to year."""
    return [tumbling(kind, moment) for kind in TUMBLING]


def rolling(kind: WindowKind, as_of: date) -> Window:
    """The rolling window ending with local day ``as_of`` (inclusive)."""
    days = ROLLING_DAYS.get(kind)
    if days is None:
        raise ValueError(f"{kind} is not a rolling window")
    end = _midnight(as_of + timedelta(days=1))
    return Window(kind, end - timedelta(days=days), end)


def days_of(window: Window) -> list[date]:
    """The local days a window covers (the daily windows a rolling value sums)."""
    first, after = window.start.date(), window.end.date()
    return [first + timedelta(days=n) for n in range((after - first).days)]
