"""The current rolling 30/90-day windows of a district × industry: exact bounds and sums, late
days, days too old to matter, and a day applied again."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from agents.aggregation.rolling import current_key, current_rolling, days_key, update_rolling
from agents.aggregation.windows import CITY_ZONE, WindowKind


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CITY_ZONE)


def _put(store: dict[str, Any], day: date, accidents: float) -> dict[WindowKind, Any]:
    update_rolling(store, "370211", "C37", day, {"accidents": accidents})
    current = current_rolling(store, "370211", "C37")
    return {window.kind: (window.start, window.end, totals) for window, totals in current}


def test_windows_end_with_the_newest_day_and_sum_the_days_inside() -> None:
    store: dict[str, Any] = {}
    _put(store, date(2025, 1, 10), 1)
    _put(store, date(2025, 3, 1), 2)  # 50 days later: out of the 30-day window, in the 90
    current = _put(store, date(2025, 3, 20), 4)
    end = _midnight(date(2025, 3, 21))
    assert current == {
        WindowKind.ROLLING_30D: (end - timedelta(days=30), end, {"accidents": 6}),
        WindowKind.ROLLING_90D: (end - timedelta(days=90), end, {"accidents": 7}),
    }
    assert current[WindowKind.ROLLING_30D][0] == _midnight(date(2025, 2, 19))


def test_a_late_day_counts_in_the_windows_it_falls_in() -> None:
    store: dict[str, Any] = {}
    _put(store, date(2025, 6, 30), 1)
    late = _put(store, date(2025, 5, 1), 5)  # 60 days before: only in the 90-day window
    assert late[WindowKind.ROLLING_30D][2] == {"accidents": 1}
    assert late[WindowKind.ROLLING_90D][2] == {"accidents": 6}
    assert late[WindowKind.ROLLING_90D][1] == _midnight(date(2025, 7, 1))  # still as of June 30


def test_a_day_older_than_every_window_and_a_day_again_change_nothing() -> None:
    store: dict[str, Any] = {}
    before = _put(store, date(2025, 6, 30), 1)
    assert _put(store, date(2025, 4, 1), 9) == before  # 90 days before the newest day
    assert _put(store, date(2025, 6, 30), 1) == before
    assert list(store[days_key("370211", "C37")]) == ["2025-06-30"]


def test_days_that_no_window_reaches_are_dropped() -> None:
    store: dict[str, Any] = {}
    _put(store, date(2025, 1, 1), 1)
    _put(store, date(2025, 4, 1), 1)  # day 91 after January 1st
    assert list(store[days_key("370211", "C37")]) == ["2025-04-01"]


def test_a_pair_without_days_has_no_windows_and_one_current_key_per_kind() -> None:
    assert current_rolling({}, "370211", "C37") == []
    assert current_key(WindowKind.ROLLING_30D, "370211", "C37") == "ROLLING_30D|current|370211|C37"
