"""Rates on the insured headcount, by window kind, worked out by hand."""

from __future__ import annotations

import pytest

from agents.aggregation.rates import mean_headcount, published
from agents.aggregation.windows import WindowKind

MONTH = {"insured": 2_000.0, "recognised_injuries": 3.0, "deaths": 1.0, "od_diagnoses": 0.0,
         "hazards_found": 8.0, "hazards_rectified_on_time": 6.0}  # fmt: skip


def test_a_month_has_its_headcount_and_the_rates_on_it() -> None:
    figures = published(WindowKind.MONTH, MONTH, [])
    assert figures["insured"] == 2_000
    assert figures["injuries_per_1000_insured"] == pytest.approx(1.5)
    assert figures["deaths_per_100000_insured"] == pytest.approx(50.0)
    assert figures["od_per_100000_insured"] == 0.0
    assert figures["hazard_rectification_rate"] == pytest.approx(0.75)


def test_a_quarter_takes_the_mean_headcount_of_its_reported_months() -> None:
    # three months summed to 6,300 person-months; one month had no report yet
    totals = {"insured": 6_300.0, "recognised_injuries": 9.0}
    figures = published(WindowKind.QUARTER, totals, [2_000.0, 0.0, 2_200.0])
    assert figures["insured"] == 2_100
    assert figures["injuries_per_1000_insured"] == pytest.approx(9 / 2_100 * 1_000)


def test_days_and_weeks_carry_no_headcount_nor_population_rates() -> None:
    for kind in (WindowKind.DAY, WindowKind.WEEK):
        figures = published(kind, MONTH, [])
        assert "insured" not in figures
        assert not any(name.endswith("_insured") for name in figures)
        assert figures["hazard_rectification_rate"] == pytest.approx(0.75)


def test_a_zero_denominator_leaves_the_rate_out() -> None:
    figures = published(WindowKind.MONTH, {"accidents": 2.0}, [])
    assert figures == {"accidents": 2.0}
    assert mean_headcount([]) == 0.0
