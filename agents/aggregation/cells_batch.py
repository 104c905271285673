"""One batch of contributions applied to the cells, and the snapshots it leaves to publish.

Faust-free: the ``aggregate-cells`` agent runs it on its table, the cells benchmark
(tests/benchmarks/cells.py) and the unit tests on a dict. Each cell the batch touched gets one
snapshot, its totals after the whole batch, and one write to the table at ``flush``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from datetime import date, datetime
from typing import Any

from agents.aggregation.cells import Cell, add_up
from agents.aggregation.metrics import Contribution
from agents.aggregation.rates import INSURED, published
from agents.aggregation.rolling import current_key, current_rolling, update_rolling
from agents.aggregation.rollup import (
    CellStore,
    Totals,
    cell_key,
    children_of,
    enterprise_cell_key,
    put_child,
)
from agents.aggregation.windows import Window, WindowKind, local_day, tumbling_of_day
from agents.aggregation.write_back import WriteBack
from streams.contracts.envelope import build_event
from streams.contracts.registry import EventSchema
from streams.contracts.wire import encode

SNAPSHOT_TYPE = "hub.aggregate"
SOURCE_SYSTEM = "injuryhub-agents"
#: the snapshots' producer, as their provenance names it
PRODUCER = "agent:aggregate-contributions"

#: called with the cell store, a district, an industry, a week the batch changed there and the
#: metrics of its contributions to that week
WeeksChanged = Callable[[CellStore, str, str, Window, set[str]], Awaitable[None]]
#: a cell to snapshot: its window, (district, industry), key, enterprise (None: the district ×
#: industry's own cell) and totals
Pending = tuple[Window, tuple[str, str], str, str | None, Totals]


def _apply(store: CellStore, key: str, added: Contribution) -> None:
    """Records ``added`` in the cell that keeps each identity's contribution (a day, or an
    enterprise's month); written only if it changed."""
    cell = Cell.from_json(store.get(key))
    if cell.apply(added.identity, added.metrics):
        store[key] = cell.to_json()


class CellsBatch:
    """``table``'s cells seen through the batch's writes (agents/aggregation/write_back.py).

    ``add`` puts each contribution in its day cell (and its enterprise's month cell): those keep
    each identity's contribution, so applying one again changes nothing. What lies above them
    (week, month, quarter, year, the rolling days, the enterprise's quarter and year) holds only
    totals of its children, so it is rolled up once per batch, in ``snapshots``, from the cells
    as the whole batch left them: each such cell's totals are summed once, however many of the
    batch's contributions changed it. Every cell above a contribution is rewritten and snapshot
    changed or not: a contribution read again after a crash finds its cells written but perhaps
    not their snapshots, or not all of the cells above.
    """

    def __init__(
        self,
        table: MutableMapping[str, Any],
        schema: EventSchema,
        now: Callable[[], datetime],
        on_weeks_changed: WeeksChanged | None = None,
    ) -> None:
        self.store = WriteBack(table)
        self.schema = schema
        self.now = now
        self.on_weeks_changed = on_weeks_changed
        # Days and months in the order the batch first touched them, as a cell's children are
        # added up in that order: a different order could change a sum of decimals in its
        # last bit, and the cells must be what one contribution at a time leaves.
        #: (district, industry) -> the local days its contributions fell on
        self._days: dict[tuple[str, str], dict[date, None]] = {}
        #: (district, industry, enterprise) -> the first days of its months the batch touched
        self._months: dict[tuple[str, str, str], dict[date, None]] = {}
        #: (district, industry, week) -> the metrics of its contributions
        self._weeks: dict[tuple[str, str, Window], set[str]] = {}
        self.latest: dict[str, Pending] = {}

    async def add(self, added: Contribution) -> None:
        day = local_day(added.occurred)
        place = (added.district, added.industry)
        _apply(self.store, cell_key(tumbling_of_day(WindowKind.DAY, day), *place), added)
        self._days.setdefault(place, {})[day] = None
        week = tumbling_of_day(WindowKind.WEEK, day)
        self._weeks.setdefault((*place, week), set()).update(added.metrics)
        if added.enterprise_id:
            owner = (*place, added.enterprise_id)
            month = tumbling_of_day(WindowKind.MONTH, day)
            _apply(self.store, enterprise_cell_key(month, *owner), added)
            self._months.setdefault(owner, {})[month.start.date()] = None

    async def roll_up(self) -> None:
        """Rolls the batch's days and enterprise months up, then runs the surge watch on each
        week changed (it reads the week cells: agents/alerting/surveillance.py)."""
        for place, days in self._days.items():
            self._roll_up_days(place, days)
        for owner, months in self._months.items():
            self._roll_up_enterprise(owner, months)
        if self.on_weeks_changed is not None:
            for (district, industry, week), metrics in self._weeks.items():
                await self.on_weeks_changed(self.store, district, industry, week, metrics)
        self._days, self._months, self._weeks = {}, {}, {}

    def _roll_up_days(self, place: tuple[str, str], days: dict[date, None]) -> None:
        store = self.store
        changed_months: dict[date, None] = {}
        for day in days:
            day_window = tumbling_of_day(WindowKind.DAY, day)
            day_key = cell_key(day_window, *place)
            totals = Cell.from_json(store.get(day_key)).totals()
            self._pending(day_window, place, day_key, None, totals)
            for kind in (WindowKind.WEEK, WindowKind.MONTH):
                put_child(store, cell_key(tumbling_of_day(kind, day), *place), day_window.label,
                          totals)  # fmt: skip
            update_rolling(store, *place, day, totals)
            changed_months[day.replace(day=1)] = None
        for week in dict.fromkeys(tumbling_of_day(WindowKind.WEEK, day) for day in days):
            self._pending_sum(week, place, cell_key(week, *place), None)
        months = {}
        for first in changed_months:
            month = tumbling_of_day(WindowKind.MONTH, first)
            months[first] = self._pending_sum(month, place, cell_key(month, *place), None)
        self._roll_up_months(place, None, months, lambda w: cell_key(w, *place))
        for window, totals in current_rolling(store, *place):
            self._pending(window, place, current_key(window.kind, *place), None, totals)

    def _roll_up_enterprise(self, owner: tuple[str, str, str], months: dict[date, None]) -> None:
        place, enterprise = owner[:2], owner[2]
        month_totals = {}
        for first in months:
            month = tumbling_of_day(WindowKind.MONTH, first)
            key = enterprise_cell_key(month, *owner)
            month_totals[first] = totals = Cell.from_json(self.store.get(key)).totals()
            self._pending(month, place, key, enterprise, totals)
        self._roll_up_months(place, enterprise, month_totals,
                             lambda w: enterprise_cell_key(w, *owner))  # fmt: skip

    def _roll_up_months(
        self,
        place: tuple[str, str],
        enterprise: str | None,
        months: dict[date, Totals],
        key_of: Callable[[Window], str],
    ) -> None:
        """Months (their first days and totals) into their quarters and years; each of those
        summed once, as the batch left it."""
        above: dict[Window, None] = {}
        for first, totals in months.items():
            label = tumbling_of_day(WindowKind.MONTH, first).label
            for kind in (WindowKind.QUARTER, WindowKind.YEAR):
                window = tumbling_of_day(kind, first)
                put_child(self.store, key_of(window), label, totals)
                above[window] = None
        for window in above:
            self._pending_sum(window, place, key_of(window), enterprise)

    def _pending_sum(
        self, window: Window, place: tuple[str, str], key: str, enterprise: str | None
    ) -> Totals:
        totals = add_up((self.store.get(key) or {}).values())
        self._pending(window, place, key, enterprise, totals)
        return totals

    def _pending(
        self, window: Window, place: tuple[str, str], key: str, enterprise: str | None,
        totals: Totals,
    ) -> None:  # fmt: skip
        self.latest[key] = (window, place, key, enterprise, totals)

    async def snapshots(self) -> list[tuple[bytes, bytes]]:
        """The (key, ``hub.aggregate``) of each cell the batch touched, once rolled up."""
        await self.roll_up()
        return [(key.encode(), self._snapshot(pending)) for key, pending in self.latest.items()]

    def flush(self) -> int:
        """Writes each touched cell to the table once; how many cells the batch snapshot."""
        self.store.flush()
        touched = len(self.latest)
        self.latest = {}
        return touched

    def _snapshot(self, pending: Pending) -> bytes:
        """The ``hub.aggregate`` of a cell: district × industry, or an enterprise's."""
        window, (district, industry), key, enterprise, totals = pending
        moment = self.now()
        has_months = window.kind in (WindowKind.QUARTER, WindowKind.YEAR)
        months = [c.get(INSURED, 0.0) for c in children_of(self.store, key)] if has_months else []
        figures = published(window.kind, totals, months)
        payload = {
            "window": window.kind.value,
            "window_start": window.start,
            "window_end": window.end,
            "district": district,
            "industry": industry,
            "enterprise_id": enterprise,
            "metrics": {name: float(value) for name, value in figures.items()},
        }
        event = build_event(
            SNAPSHOT_TYPE, self.schema.version, "hub", SOURCE_SYSTEM, key, key,
            min(window.start, moment), moment, PRODUCER, payload,
        )  # fmt: skip
        return encode(self.schema, event)
