"""Statistical aberration on weekly counts of one district × industry against its own baseline.

EARS (Hutwagner et al., the CDC's Early Aberration Reporting System), for period ``t`` of a series
``x`` with a baseline of ``n`` periods (7 by default):

- C1: baseline ``x[t-n..t-1]``; ``C1 = (x[t] - mean) / sd``; alarm above 3.
- C2: the same with a two-period guard band, baseline ``x[t-n-2..t-3]``; alarm above 3.
- C3: ``sum(max(0, C2[t-i] - 1) for i in 0, 1, 2)``; alarm above 2.

``sd`` has a floor: a baseline of zeros would otherwise make one injury infinitely surprising.
An alarm also needs ``x[t]`` of at least ``min_count``: one or two cases are not a surge.

Poisson CUSUM (Lucas 1985), detecting a shift from the in-control mean ``λ0`` (the baseline
mean, floored) to ``λ1 = shift × λ0``: ``S[t] = max(0, S[t-1] + x[t]·ln(λ1/λ0) − (λ1 − λ0))``,
alarm above ``h``. The statistic is the log-likelihood ratio, so ``h`` reads as evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, pstdev


@dataclass(frozen=True)
class AberrationThresholds:
    baseline: int = 7
    sd_floor: float = 0.5
    min_count: int = 3
    c1: float = 3.0
    c2: float = 3.0
    c3: float = 2.0
    cusum_shift: float = 2.0
    cusum_mean_floor: float = 0.5
    cusum_h: float = 4.0


@dataclass(frozen=True)
class Aberration:
    method: str  # ears-c1 | ears-c2 | ears-c3 | poisson-cusum
    statistic: float
    threshold: float
    observed: float
    expected: float  # the baseline mean


def _standardised(x: Sequence[float], t: int, lag: int, limits: AberrationThresholds) -> float:
    first = t - lag - limits.baseline + 1
    if first < 0:
        return 0.0  # not enough history yet
    baseline = x[first : t - lag + 1]
    sd = max(pstdev(baseline), limits.sd_floor)
    return (x[t] - fmean(baseline)) / sd


def ears(x: Sequence[float], t: int, limits: AberrationThresholds) -> list[Aberration]:
    """The EARS methods that alarm at period ``t`` (none before a full baseline)."""
    if x[t] < limits.min_count or t < limits.baseline:
        return []
    c1 = _standardised(x, t, 1, limits)
    c2_series = [_standardised(x, t - i, 3, limits) if t - i >= 0 else 0.0 for i in range(3)]
    c3 = sum(max(0.0, value - 1) for value in c2_series)
    found = []
    for method, statistic, threshold, lag in (
        ("ears-c1", c1, limits.c1, 1),
        ("ears-c2", c2_series[0], limits.c2, 3),
        ("ears-c3", c3, limits.c3, 3),
    ):
        if statistic > threshold:
            first = max(0, t - lag - limits.baseline + 1)
            expected = fmean(x[first : t - lag + 1]) if t - lag >= 0 else 0.0
            found.append(Aberration(method, statistic, threshold, x[t], expected))
    return found


def poisson_cusum(x: Sequence[float], t: int, limits: AberrationThresholds) -> Aberration | None:
    """The CUSUM over ``x[..t]``, each period against the mean of the ``baseline`` periods
    before it; an alarm at ``t`` if it is above ``h`` there (and ``x[t]`` is not too small)."""
    statistic = 0.0
    expected = limits.cusum_mean_floor
    for period in range(t + 1):
        history = x[max(0, period - limits.baseline) : period]
        expected = max(fmean(history) if history else 0.0, limits.cusum_mean_floor)
        shifted = limits.cusum_shift * expected
        step = x[period] * math.log(shifted / expected) - (shifted - expected)
        statistic = max(0.0, statistic + step)
    if statistic > limits.cusum_h and x[t] >= limits.min_count and t >= limits.baseline:
        return Aberration("poisson-cusum", statistic, limits.cusum_h, x[t], expected)
    return None


def aberrations(x: Sequence[float], t: int, limits: AberrationThresholds) -> list[Aberration]:
    found = ears(x, t, limits)
    cusum = poisson_cusum(x, t, limits)
    return found + ([cusum] if cusum else [])
