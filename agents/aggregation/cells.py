"""An aggregate cell (one window × district × industry, or × enterprise) that is exact under
redelivery: it keeps each identity's contribution, so applying the same event twice, or again
after a crash, changes nothing, and a newer version replaces the older one.

This is how the hub's agents are exact without Faust's exactly-once mode: a worker killed after
writing a cell but before committing its offsets re-reads those events, and re-applying them is a
no-op. The cost is memory proportional to the events in the cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Cell:
    #: identity -> that event's metrics
    contributions: dict[str, dict[str, float]] = field(default_factory=dict)

    def apply(self, identity: str, metrics: dict[str, float]) -> bool:
        """Record ``identity``'s metrics; whether the cell changed."""
        if self.contributions.get(identity) == metrics:
            return False
        self.contributions[identity] = dict(metrics)
        return True

    def totals(self) -> dict[str, float]:
        return add_up(self.contributions.values())

    def to_json(self) -> dict[str, dict[str, float]]:
        return self.contributions

    @classmethod
    def from_json(cls, data: dict[str, dict[str, float]] | None) -> Cell:
        return cls(dict(data or {}))


def add_up(metrics: Iterable[dict[str, float]]) -> dict[str, float]:
    """Metric by metric sums."""
    totals: dict[str, float] = {}
    for one in metrics:
        for name, value in one.items():
            totals[name] = totals.get(name, 0) + value
    return totals


def summed(cells: Iterable[Cell]) -> dict[str, float]:
    """The totals of several cells (the days of a rolling window, say); an identity present in
    more than one counts once, with its latest metrics."""
    merged = Cell()
    for cell in cells:
        for identity, metrics in cell.contributions.items():
            merged.apply(identity, metrics)
    return merged.totals()
