"""A window's totals as published on ``hub.aggregate``, with the rates of
streams/contracts/indicators.py.

人社 reports each enterprise's insured headcount once a month (on the 1st), so a month's
``insured`` is that month's headcount and a quarter's or year's is the mean over its months that
have one. A day's or week's sum of headcounts means nothing, so those windows carry no ``insured``
and no population rates. Rates are per window, not annualised.
"""

from __future__ import annotations

from collections.abc import Iterable

from agents.aggregation.windows import WindowKind
from streams.contracts.indicators import INSURED, with_rates

__all__ = ["INSURED", "mean_headcount", "published"]


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
    return with_rates(figures)
