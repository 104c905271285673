"""The hub's monthly aggregates side by side with a generated year's ``ground_truth.json``: the
check the integration tests and the demo make that the agents counted exactly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agents.aggregation.windows import CITY_ZONE
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import decode

#: the truth's metrics, all of which the aggregation computes
CHECKED = (
    "accidents", "accident_reports", "deaths", "serious_injuries", "injury_applications",
    "recognised_injuries", "od_diagnoses", "pneumoconiosis", "hazards_found",
    "hazards_rectified_on_time", "training_completions", "insured",
)  # fmt: skip
#: month|district|industry -> metric -> value (zeros left out)
MonthlyCells = dict[str, dict[str, float]]


def _kept(metrics: dict[str, Any]) -> dict[str, float]:
    return {name: float(value) for name, value in metrics.items() if name in CHECKED and value}


def expected_monthly(truth: dict[str, Any]) -> MonthlyCells:
    cells = truth["aggregates_by_month_district_industry"]["cells"]
    return {key: kept for key, metrics in cells.items() if (kept := _kept(metrics))}


def monthly_cell(registry: SchemaRegistry, value: bytes | None) -> tuple[str, dict[str, float]]:
    """The month × district × industry cell a ``hub.aggregate`` value is, as ``expected_monthly``
    names it, with its checked metrics; a LookupError for any other cell."""
    _, snapshot = decode(registry, value or b"")
    if snapshot["window"] != "MONTH" or snapshot["enterprise_id"] is not None:
        raise LookupError(f"not a month of a district × industry: {snapshot['window']}")
    month = snapshot["window_start"].astimezone(CITY_ZONE).strftime("%Y-%m")
    return f"{month}|{snapshot['district']}|{snapshot['industry']}", _kept(snapshot["metrics"])


def monthly_from_snapshots(
    registry: SchemaRegistry, latest: Iterable[bytes | None]
) -> MonthlyCells:
    """``latest``: the newest ``hub.aggregate`` value of each key."""
    monthly = {}
    for value in latest:
        try:
            key, kept = monthly_cell(registry, value)
        except LookupError:
            continue
        if kept:
            monthly[key] = kept
    return monthly


def city_month(cells: MonthlyCells, month: str, name: str) -> float:
    """One metric of the whole city in ``month`` (YYYY-MM)."""
    return sum(v.get(name, 0.0) for key, v in cells.items() if key.startswith(month + "|"))
