"""Rates of a window's totals on the insured headcount, as published on ``hub.aggregate``.

人社 reports each enterprise's insured headcount once a month (on the 1st), so a month's
``insured`` is that month's headcount and a quarter's or year's is the mean over its months that
have one. A day's or week's sum of headcounts means nothing, so those windows carry no ``insured``
and no population rates. Rates are per window, not annualised:

- ``injuries_per_1000_insured`` = recognised injuries / insured × 1,000
- ``deaths_per_100000_insured`` = deaths / insured × 100,000
- ``od_per_100000_insured`` = occupational-disease diagnoses / insured × 100,000
- ``hazard_rectification_rate`` = hazards rectified on time / hazards found (any window)

A rate whose denominator is zero is left out rather than shown as zero.
"""

from __future__ import annotations

from collections.abc import Iterable

from agents.aggregation.windows import WindowKind

INSURED = "insured"
POPULATION_RATES = {  # rate -> (numerator, per so many insured)
    "injuries_per_1000_insured": ("recognised_injuries", 1_000),
    "deaths_per_100000_insured": ("deaths", 100_000),
    "od_per_100000_insured": ("od_diagnoses", 100_000),
}


def mean_headcount(monthly_insured: Iterable[float]) -> float:
    """The mean of the months that reported a headcount (0 if none did)."""
    reported = [value for value in monthly_insured if value > 0]
    return sum(reported) / len(reported) if reported else 0.0


def published(
    kind: WindowKind, totals: dict[str, float], monthly_insured: Iterable[float]
) -> dict[str, float]:
    """``totals`` as published: the headcount made a mean for a quarter or year (from
    ``monthly_insured``, the insured of each of its months), dropped for a day or week, and the
    rates added."""
    figures = dict(totals)
    figures.pop(INSURED, None)
    if kind in (WindowKind.QUARTER, WindowKind.YEAR):
        insured = mean_headcount(monthly_insured)
    elif kind is WindowKind.MONTH:
        insured = totals.get(INSURED, 0.0)
    else:
        insured = 0.0
    if insured > 0:
        figures[INSURED] = insured
        for rate, (numerator, per) in POPULATION_RATES.items():
            figures[rate] = figures.get(numerator, 0.0) / insured * per
    found = figures.get("hazards_found", 0.0)
    if found > 0:
        figures["hazard_rectification_rate"] = figures.get("hazards_rectified_on_time", 0.0) / found
    return figures
