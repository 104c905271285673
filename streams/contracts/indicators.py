"""The standard indicators' formulas (docs/indicators.md), in one place for the agents that
publish them per cell and the dashboards that recompute them over several cells (sums of
totals, never sums of rates):

- ``injuries_per_1000_insured`` = recognised injuries / insured × 1,000
- ``deaths_per_100000_insured`` = deaths / insured × 100,000
- ``od_per_100000_insured`` = occupational-disease diagnoses / insured × 100,000
- ``hazard_rectification_rate`` = hazards rectified on time / hazards found

A rate whose denominator is zero is left out rather than shown as zero.
"""

from __future__ import annotations

INSURED = "insured"
POPULATION_RATES = {  # rate -> (numerator, per so many insured)
    "injuries_per_1000_insured": ("recognised_injuries", 1_000),
    "deaths_per_100000_insured": ("deaths", 100_000),
    "od_per_100000_insured": ("od_diagnoses", 100_000),
}
RECTIFICATION_RATE = "hazard_rectification_rate"
RATES = (*POPULATION_RATES, RECTIFICATION_RATE)


def with_rates(totals: dict[str, float]) -> dict[str, float]:
    """``totals`` (with ``insured`` the headcount, if known) and the rates they allow."""
    figures = {name: value for name, value in totals.items() if name not in RATES}
    insured = figures.get(INSURED, 0.0)
    if insured > 0:
        for rate, (numerator, per) in POPULATION_RATES.items():
            figures[rate] = figures.get(numerator, 0.0) / insured * per
    found = figures.get("hazards_found", 0.0)
    if found > 0:
        figures[RECTIFICATION_RATE] = figures.get("hazards_rectified_on_time", 0.0) / found
    return figures
