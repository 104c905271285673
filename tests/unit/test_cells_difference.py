"""The integration tests' account of aggregates that differ from the truth (tests/pipeline.py)."""

from __future__ import annotations

from tests.pipeline import cells_difference


def test_the_difference_names_each_differing_cell_and_metric_found_then_expected() -> None:
    expected = {"a": {"accidents": 2.0, "deaths": 0.0}, "b": {"accidents": 1.0}, "c": {}}
    found = {"a": {"accidents": 3.0, "deaths": 0.0}, "c": {}, "d": {"accidents": 1.0}}

    assert cells_difference(found, expected).splitlines() == [
        "3 of 4 monthly cells differ (found / expected):",
        "  a: accidents 3.0 / 2.0",
        "  b: accidents None / 1.0",
        "  d: accidents 1.0 / None",
    ]


def test_only_the_first_cells_are_shown_but_all_are_counted() -> None:
    expected = {f"cell-{i:02}": {"accidents": 1.0} for i in range(20)}

    lines = cells_difference({}, expected, shown=2).splitlines()

    assert lines == [
        "20 of 20 monthly cells differ (found / expected):",
        "  cell-00: accidents None / 1.0",
        "  cell-01: accidents None / 1.0",
    ]
