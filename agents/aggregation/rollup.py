"""Rolling one contribution up through the windows of its district × industry.

The day cell keeps each identity's contribution (so applying an event again changes nothing);
each week and month cell keeps the totals of its days, each quarter and year cell the totals of
its months, replaced — never added — whenever a child changes. Every application recomputes the
chain from the day up, so a worker killed after writing some of these cells and not others
repairs them when it reads the event again.

Each enterprise gets a month (keeping each identity's contribution), quarter and year of its own.
All the cells of one district × industry, its enterprises' too, are written by the one agent
that owns it (the stream is partitioned by that pair), so each lives in one changelog partition.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from agents.aggregation.cells import Cell, add_up
from agents.aggregation.metrics import Contribution
from agents.aggregation.windows import Window, WindowKind, tumbling

#: cell key -> its JSON (a Faust table, or a dict in tests)
CellStore = MutableMapping[str, Any]
Totals = dict[str, float]


def family_key(district: str, industry: str) -> str:
    """What the stream is partitioned by: one owner for all cells of a district × industry."""
    return f"{district}|{industry}"


def cell_key(window: Window, district: str, industry: str) -> str:
    return f"{window.kind}|{window.label}|{district}|{industry}"


def _replace_child(
    store: CellStore,
    changed: list[tuple[Window, Totals]],
    window: Window,
    key: str,
    child: str,
    totals: Totals,
) -> Totals:
    """Put a child's (a day's or month's) totals in ``window``'s cell ``key``; its new totals."""
    children, put = put_child(store, key, child, totals)
    summed = add_up(children.values())
    if put:
        changed.append((window, summed))
    return summed


def put_child(
    store: CellStore, key: str, child: str, totals: Totals
) -> tuple[dict[str, Totals], bool]:
    """Put a child's (a day's or month's) totals in the cell ``key`` (written only if they
    differ from what it holds); the cell's children, and whether they changed."""
    children: dict[str, Totals] = dict(store.get(key) or {})
    if children.get(child) == totals:
        return children, False
    children[child] = totals
    store[key] = children
    return children, True


#: a window, its cell key, its enterprise (None: the district × industry) and its totals
CellState = tuple[Window, str, str | None, Totals]


def roll_up(
    store: CellStore, added: Contribution, states: list[CellState] | None = None
) -> list[tuple[Window, Totals]]:
    """Apply ``added`` and return every window whose totals changed, with its new totals.
    ``states``, if given, gets every cell ``added`` belongs to, day to year, changed or not,
    with its totals: a contribution read again after a crash finds its cells written but
    perhaps not their snapshots."""
    district, industry = added.district, added.industry
    day = tumbling(WindowKind.DAY, added.occurred)
    day_key = cell_key(day, district, industry)
    cell = Cell.from_json(store.get(day_key))
    changed: list[tuple[Window, Totals]] = []
    if cell.apply(added.identity, added.metrics):
        store[day_key] = cell.to_json()
        changed.append((day, cell.totals()))
    family = (district, industry)
    day_totals = cell.totals()
    week = tumbling(WindowKind.WEEK, added.occurred)
    month = tumbling(WindowKind.MONTH, added.occurred)
    week_key, month_key = cell_key(week, *family), cell_key(month, *family)
    week_totals = _replace_child(store, changed, week, week_key, day.label, day_totals)
    month_totals = _replace_child(store, changed, month, month_key, day.label, day_totals)
    above = _roll_months_up(
        store, changed, added, month.label, month_totals, lambda w: cell_key(w, *family)
    )
    if states is not None:
        states += [(day, day_key, None, day_totals), (week, week_key, None, week_totals),
                   (month, month_key, None, month_totals)]  # fmt: skip
        states += [(window, key, None, totals) for window, key, totals in above]
    return changed


def _roll_months_up(
    store: CellStore,
    changed: list[tuple[Window, Totals]],
    added: Contribution,
    month: str,
    month_totals: Totals,
    key_of: Callable[[Window], str],
) -> list[tuple[Window, str, Totals]]:
    """The quarter and year with their keys and totals."""
    rolled = []
    for kind in (WindowKind.QUARTER, WindowKind.YEAR):
        window = tumbling(kind, added.occurred)
        key = key_of(window)
        rolled.append((window, key, _replace_child(store, changed, window, key, month,
                                                   month_totals)))  # fmt: skip
    return rolled


def enterprise_cell_key(window: Window, district: str, industry: str, enterprise: str) -> str:
    return f"{cell_key(window, district, industry)}|{enterprise}"


def roll_up_enterprise(
    store: CellStore, added: Contribution, states: list[CellState] | None = None
) -> list[tuple[Window, Totals]]:
    """Apply ``added`` to its enterprise's month, quarter and year (none for an event about no
    one enterprise) and return the windows whose totals changed; ``states`` as for ``roll_up``.
    The month cell keeps each identity's contribution, as a district × industry day cell does,
    so this is as exact."""
    if not added.enterprise_id:
        return []
    enterprise = added.enterprise_id
    place = (added.district, added.industry, enterprise)
    month = tumbling(WindowKind.MONTH, added.occurred)
    month_key = enterprise_cell_key(month, *place)
    cell = Cell.from_json(store.get(month_key))
    changed: list[tuple[Window, Totals]] = []
    if cell.apply(added.identity, added.metrics):
        store[month_key] = cell.to_json()
        changed.append((month, cell.totals()))
    month_totals = cell.totals()
    above = _roll_months_up(store, changed, added, month.label, month_totals,
                            lambda w: enterprise_cell_key(w, *place))  # fmt: skip
    if states is not None:
        states.append((month, month_key, enterprise, month_totals))
        states += [(window, key, enterprise, totals) for window, key, totals in above]
    return changed


def children_of(store: CellStore, key: str) -> list[Totals]:
    """The totals a quarter's or year's cell holds for each of its months."""
    return list(dict(store.get(key) or {}).values())


def totals_of(store: CellStore, window: Window, district: str, industry: str) -> Totals:
    """A window's totals as the store holds them (empty if nothing happened in it)."""
    value = store.get(cell_key(window, district, industry))
    if window.kind is WindowKind.DAY:
        return Cell.from_json(value).totals()
    return add_up((value or {}).values())
