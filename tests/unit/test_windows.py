"""Event-time windows on the city's calendar: exact bounds, local midnight, late events."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agents.aggregation.windows import (
    CITY_ZONE,
    Window,
    WindowKind,
    days_of,
    rolling,
    tumbling,
    tumbling_windows,
)


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CITY_ZONE)


# 2025-03-31 17:30 UTC is already 2025-04-01 01:30 in Qingdao: April, Q2, ISO week 14.
LATE_EVENING_UTC = datetime(2025, 3, 31, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "start", "end", "label"),
    [
        (WindowKind.DAY, local(2025, 4, 1), local(2025, 4, 2), "2025-04-01"),
        (WindowKind.WEEK, local(2025, 3, 31), local(2025, 4, 7), "2025-W14"),
        (WindowKind.MONTH, local(2025, 4, 1), local(2025, 5, 1), "2025-04"),
        (WindowKind.QUARTER, local(2025, 4, 1), local(2025, 7, 1), "2025-Q2"),
        (WindowKind.YEAR, local(2025, 1, 1), local(2026, 1, 1), "2025"),
    ],
)
def test_tumbling_windows_are_local_and_half_open(
    kind: WindowKind, start: datetime, end: datetime, label: str
) -> None:
    window = tumbling(kind, LATE_EVENING_UTC)
    assert (window.start, window.end, window.label) == (start, end, label)
    assert LATE_EVENING_UTC in window
    assert window.end not in window and window.start in window


def test_year_and_quarter_ends_roll_over() -> None:
    new_years_eve = local(2025, 12, 31, 23, 59, 59)
    assert tumbling(WindowKind.MONTH, new_years_eve).end == local(2026, 1, 1)
    assert tumbling(WindowKind.QUARTER, new_years_eve) == Window(
        WindowKind.QUARTER, local(2025, 10, 1), local(2026, 1, 1)
    )
    # ISO week 1 of 2026 starts on Monday 2025-12-29.
    assert tumbling(WindowKind.WEEK, new_years_eve).label == "2026-W01"


def test_every_tumbling_window_of_a_moment_day_to_year() -> None:
    windows = tumbling_windows(local(2025, 6, 15, 8))
    assert [w.kind for w in windows] == [
        WindowKind.DAY, WindowKind.WEEK, WindowKind.MONTH, WindowKind.QUARTER, WindowKind.YEAR,
    ]  # fmt: skip
    assert all(local(2025, 6, 15, 8) in w for w in windows)


def test_rolling_windows_end_with_their_day() -> None:
    thirty = rolling(WindowKind.ROLLING_30D, date(2025, 3, 1))
    assert (thirty.start, thirty.end) == (local(2025, 1, 31), local(2025, 3, 2))
    assert len(days_of(thirty)) == 30 and days_of(thirty)[-1] == date(2025, 3, 1)
    ninety = rolling(WindowKind.ROLLING_90D, date(2025, 3, 1))
    assert len(days_of(ninety)) == 90 and ninety.label == "2024-12-02..2025-03-01"


def test_naive_moments_and_wrong_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        tumbling(WindowKind.DAY, datetime(2025, 1, 1))  # noqa: DTZ001 -- the point of the test
    with pytest.raises(ValueError, match="not a tumbling window"):
        tumbling(WindowKind.ROLLING_30D, local(2025, 1, 1))
    with pytest.raises(ValueError, match="not a rolling window"):
        rolling(WindowKind.MONTH, date(2025, 1, 1))
