"""One batch of contributions applied to the cells, and the snapshots it leaves to publish.

Faust-free: the ``aggregate-cells`` agent runs it on its table, the cells benchmark
(tests/benchmarks/cells.py) and the unit tests on a dict. Each cell the batch touched gets one
snapshot, its totals after the whole batch, and one write to the table at ``flush``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from datetime import datetime
from typing import Any

from agents.aggregation.metrics import Contribution
from agents.aggregation.rates import INSURED, published
from agents.aggregation.rolling import current_key, current_rolling, update_rolling
from agents.aggregation.rollup import (
    CellState,
    CellStore,
    Totals,
    children_of,
    roll_up,
    roll_up_enterprise,
)
from agents.aggregation.windows import Window, WindowKind, tumbling
from agents.aggregation.write_back import WriteBack
from streams.contracts.envelope import build_event
from streams.contracts.registry import EventSchema
from streams.contracts.wire import encode

SNAPSHOT_TYPE = "hub.aggregate"
SOURCE_SYSTEM = "injuryhub-agents"
#: the snapshots' producer, as their provenance names it
PRODUCER = "agent:aggregate-contributions"

#: called with the cell store, a contribution and its week windows
WeeksChanged = Callable[[CellStore, Contribution, list[Window]], Awaitable[None]]
#: a cell to snapshot: its window, the contribution last applied to it, its key, its
#: enterprise (None: the district × industry) and its totals
Pending = tuple[Window, Contribution, str, str | None, Totals]


class CellsBatch:
    """``table``'s cells seen through the batch's writes (agents/aggregation/write_back.py)."""

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
        self.latest: dict[str, Pending] = {}

    async def add(self, added: Contribution) -> None:
        """Rolls ``added`` up. Every cell it belongs to is snapshot, changed or not: a
        contribution read again after a crash finds its cells written but perhaps not their
        snapshots."""
        store = self.store
        place = (added.district, added.industry)
        states: list[CellState] = []
        roll_up(store, added, states)
        roll_up_enterprise(store, added, states)
        day, _, _, day_totals = states[0]  # roll_up lists the day first
        update_rolling(store, *place, day.start.date(), day_totals)
        states += [(w, current_key(w.kind, *place), None, totals)
                   for w, totals in current_rolling(store, *place)]  # fmt: skip
        if self.on_weeks_changed is not None:
            await self.on_weeks_changed(store, added, [tumbling(WindowKind.WEEK, added.occurred)])
        for window, key, enterprise, totals in states:
            self.latest[key] = (window, added, key, enterprise, totals)

    def snapshots(self) -> Iterator[tuple[bytes, bytes]]:
        """The (key, ``hub.aggregate``) of each cell the batch touched."""
        for key, pending in self.latest.items():
            yield key.encode(), self._snapshot(pending)

    def flush(self) -> int:
        """Writes each touched cell to the table once; how many cells the batch touched."""
        self.store.flush()
        touched = len(self.latest)
        self.latest = {}
        return touched

    def _snapshot(self, pending: Pending) -> bytes:
        """The ``hub.aggregate`` of a cell: district × industry, or an enterprise's."""
        window, added, key, enterprise, totals = pending
        moment = self.now()
        has_months = window.kind in (WindowKind.QUARTER, WindowKind.YEAR)
        months = [c.get(INSURED, 0.0) for c in children_of(self.store, key)] if has_months else []
        figures = published(window.kind, totals, months)
        payload = {
            "window": window.kind.value,
            "window_start": window.start,
            "window_end": window.end,
            "district": added.district,
            "industry": added.industry,
            "enterprise_id": enterprise,
            "metrics": {name: float(value) for name, value in figures.items()},
        }
        event = build_event(
            SNAPSHOT_TYPE, self.schema.version, "hub", SOURCE_SYSTEM, key, key,
            min(window.start, moment), moment, PRODUCER, payload,
        )  # fmt: skip
        return encode(self.schema, event)
