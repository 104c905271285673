"""Rolling contributions up from day to year: exact totals, idempotent, late events, repair."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.aggregation.metrics import Contribution
from agents.aggregation.rollup import (
    CellState,
    cell_key,
    enterprise_cell_key,
    roll_up,
    roll_up_enterprise,
    totals_of,
)
from agents.aggregation.windows import CITY_ZONE, WindowKind, tumbling


def _added(identity: str, when: datetime, **metrics: float) -> Contribution:
    return Contribution(identity, when, "370211", "C37", "91350100M000100Y43", dict(metrics))


def local(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=CITY_ZONE)


NEW_YEAR_2025 = datetime(2025, 1, 1, tzinfo=CITY_ZONE)
NEW_YEAR_2026 = datetime(2026, 1, 1, tzinfo=CITY_ZONE)


def _total(store: dict[str, Any], kind: WindowKind, when: datetime) -> dict[str, float]:
    return totals_of(store, tumbling(kind, when), "370211", "C37")


def test_each_window_from_day_to_year_gets_exact_totals() -> None:
    store: dict[str, Any] = {}
    roll_up(store, _added("a", local(3, 3), accidents=1, deaths=1))
    roll_up(store, _added("b", local(3, 4), accidents=1, deaths=0))
    roll_up(store, _added("c", local(5, 20), accidents=1, deaths=2))
    assert _total(store, WindowKind.DAY, local(3, 3)) == {"accidents": 1, "deaths": 1}
    assert _total(store, WindowKind.WEEK, local(3, 3)) == {"accidents": 2, "deaths": 1}
    assert _total(store, WindowKind.MONTH, local(3, 31)) == {"accidents": 2, "deaths": 1}
    assert _total(store, WindowKind.QUARTER, local(1, 1)) == {"accidents": 2, "deaths": 1}
    assert _total(store, WindowKind.QUARTER, local(6, 30)) == {"accidents": 1, "deaths": 2}
    assert _total(store, WindowKind.YEAR, local(12, 31)) == {"accidents": 3, "deaths": 3}


def test_changed_windows_are_reported_with_their_bounds() -> None:
    changed = roll_up({}, _added("a", local(4, 1, 1), accidents=1))
    assert [(w.kind, w.start, w.end) for w, _ in changed] == [
        (WindowKind.DAY, local(4, 1, 0), local(4, 2, 0)),
        (WindowKind.WEEK, local(3, 31, 0), local(4, 7, 0)),
        (WindowKind.MONTH, local(4, 1, 0), local(5, 1, 0)),
        (WindowKind.QUARTER, local(4, 1, 0), local(7, 1, 0)),
        (WindowKind.YEAR, NEW_YEAR_2025, NEW_YEAR_2026),
    ]  # fmt: skip
    assert all(totals == {"accidents": 1} for _, totals in changed)


def test_an_event_applied_again_changes_nothing() -> None:
    store: dict[str, Any] = {}
    roll_up(store, _added("a", local(3, 3), accidents=1))
    before = {key: value.copy() for key, value in store.items()}
    assert roll_up(store, _added("a", local(3, 3), accidents=1)) == []
    assert store == before


def test_a_late_event_updates_its_own_windows() -> None:
    store: dict[str, Any] = {}
    roll_up(store, _added("march", local(3, 3), recognised_injuries=1))
    changed = roll_up(store, _added("january", local(1, 15), recognised_injuries=1))
    assert {w.label for w, _ in changed} == {"2025-01-15", "2025-W03", "2025-01", "2025-Q1", "2025"}
    assert _total(store, WindowKind.MONTH, local(1, 15)) == {"recognised_injuries": 1}
    assert _total(store, WindowKind.QUARTER, local(1, 15)) == {"recognised_injuries": 2}


def test_writes_lost_in_a_crash_are_repaired_when_the_event_comes_again() -> None:
    """The worker wrote the day cell for event b, then died before its week, month and year
    writes reached the changelog: those cells come back as they were before b. It reads b again
    after the restart."""
    store: dict[str, Any] = {}
    roll_up(store, _added("jan", local(1, 20), accidents=1))
    roll_up(store, _added("a", local(3, 3), accidents=1))
    before_b = {key: value.copy() for key, value in store.items()}
    roll_up(store, _added("b", local(3, 9), accidents=1))
    expected = {key: value.copy() for key, value in store.items()}
    for kind in (WindowKind.WEEK, WindowKind.MONTH, WindowKind.YEAR):
        key = cell_key(tumbling(kind, local(3, 9)), "370211", "C37")
        if key in before_b:
            store[key] = before_b[key]
        else:
            del store[key]
    roll_up(store, _added("b", local(3, 9), accidents=1))
    assert store == expected
    assert _total(store, WindowKind.YEAR, local(3, 9)) == {"accidents": 3}


def test_an_enterprise_has_its_own_month_quarter_and_year() -> None:
    store: dict[str, Any] = {}
    roll_up_enterprise(store, _added("a", local(2, 27), accidents=1))
    changed = roll_up_enterprise(store, _added("b", local(3, 3), accidents=1, deaths=1))
    assert [(w.kind, w.start, w.end, totals) for w, totals in changed] == [
        (WindowKind.MONTH, local(3, 1, 0), local(4, 1, 0), {"accidents": 1, "deaths": 1}),
        (WindowKind.QUARTER, NEW_YEAR_2025, local(4, 1, 0), {"accidents": 2, "deaths": 1}),
        (WindowKind.YEAR, NEW_YEAR_2025, NEW_YEAR_2026, {"accidents": 2, "deaths": 1}),
    ]  # fmt: skip
    assert roll_up_enterprise(store, _added("b", local(3, 3), accidents=1, deaths=1)) == []
    quarter = tumbling(WindowKind.QUARTER, local(3, 3))
    key = enterprise_cell_key(quarter, "370211", "C37", "91350100M000100Y43")
    assert key == "QUARTER|2025-Q1|370211|C37|91350100M000100Y43"
    assert sorted(store[key]) == ["2025-02", "2025-03"]


def test_an_event_about_no_enterprise_has_no_enterprise_cells() -> None:
    added = Contribution("f", local(3, 3), "370211", "C37", "", {"accidents": 1})
    store: dict[str, Any] = {}
    assert roll_up_enterprise(store, added) == []
    assert store == {}


def test_enterprise_cells_repair_a_quarter_a_crash_left_unwritten() -> None:
    store: dict[str, Any] = {}
    roll_up_enterprise(store, _added("a", local(5, 5), accidents=1))
    quarter = tumbling(WindowKind.QUARTER, local(5, 5))
    key = enterprise_cell_key(quarter, "370211", "C37", "91350100M000100Y43")
    del store[key]  # killed after the month was written
    changed = roll_up_enterprise(store, _added("a", local(5, 5), accidents=1))
    assert [w.kind for w, _ in changed] == [WindowKind.QUARTER]
    assert store[key] == {"2025-05": {"accidents": 1}}


def test_the_states_of_a_contribution_are_all_its_windows_with_current_totals() -> None:
    store: dict[str, Any] = {}
    roll_up(store, _added("b", local(3, 4), accidents=1, deaths=1))  # same week, month
    roll_up(store, _added("a", local(3, 3), accidents=1))
    roll_up_enterprise(store, _added("a", local(3, 3), accidents=1))
    again = _added("a", local(3, 3), accidents=1)
    states: list[CellState] = []
    # nothing changed, yet every cell is there to publish
    assert roll_up(store, again, states) == []
    assert roll_up_enterprise(store, again, states) == []
    assert [(w.kind, enterprise) for w, _, enterprise, _ in states] == [
        (WindowKind.DAY, None), (WindowKind.WEEK, None), (WindowKind.MONTH, None),
        (WindowKind.QUARTER, None), (WindowKind.YEAR, None),
        (WindowKind.MONTH, "91350100M000100Y43"), (WindowKind.QUARTER, "91350100M000100Y43"),
        (WindowKind.YEAR, "91350100M000100Y43"),
    ]  # fmt: skip
    both = {"accidents": 2, "deaths": 1}  # the day holds "a" only; the rest "b" too
    one = {"accidents": 1}  # the enterprise's cells got "a" only
    assert [totals for *_, totals in states] == [one, both, both, both, both, one, one, one]
    assert [key for _, key, _, _ in states] == [
        "DAY|2025-03-03|370211|C37", "WEEK|2025-W10|370211|C37", "MONTH|2025-03|370211|C37",
        "QUARTER|2025-Q1|370211|C37", "YEAR|2025|370211|C37",
        "MONTH|2025-03|370211|C37|91350100M000100Y43",
        "QUARTER|2025-Q1|370211|C37|91350100M000100Y43",
        "YEAR|2025|370211|C37|91350100M000100Y43",
    ]  # fmt: skip
    assert all(store[key] for _, key, _, _ in states)  # each a cell the store holds
