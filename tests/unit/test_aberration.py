"""EARS C1/C2/C3 and the Poisson CUSUM on hand-computed series."""

from __future__ import annotations

import math

import pytest

from agents.alerting.aberration import AberrationThresholds, aberrations, ears, poisson_cusum

LIMITS = AberrationThresholds()


def test_c1_standardises_against_the_seven_periods_before() -> None:
    # baseline 1,2,1,2,1,2,1: mean 10/7, population sd 0.4949 -> floored to 0.5
    series = [1, 2, 1, 2, 1, 2, 1, 5]
    (c1,) = [hit for hit in ears(series, 7, LIMITS) if hit.method == "ears-c1"]
    assert c1.statistic == pytest.approx((5 - 10 / 7) / 0.5)
    assert c1.observed == 5
    assert c1.expected == pytest.approx(10 / 7)


def test_c2_skips_a_two_period_guard_band() -> None:
    # C2 at t=9 reads x[0..6] (zeros); the 9s at t=7, 8 are in the guard band, not the baseline
    series = [0, 0, 0, 0, 0, 0, 0, 9, 9, 4]
    methods = {hit.method: hit for hit in ears(series, 9, LIMITS)}
    assert methods["ears-c2"].statistic == pytest.approx(4 / 0.5)
    assert methods["ears-c2"].expected == 0
    assert "ears-c1" not in methods  # against the 9s, 4 is no surge


def test_c3_sums_the_excess_of_the_last_three_c2_values() -> None:
    series = [1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3]
    c2 = [(3 - 1) / 0.5] * 3  # each of t=9..11 against a baseline of ones
    (c3,) = [hit for hit in ears(series, 11, LIMITS) if hit.method == "ears-c3"]
    assert c3.statistic == pytest.approx(sum(value - 1 for value in c2))


def test_no_alarm_before_a_full_baseline_or_below_the_minimum_count() -> None:
    assert ears([0, 0, 9], 2, LIMITS) == []
    assert ears([0] * 10 + [2], 10, LIMITS) == []  # 2 < min_count 3, however surprising


def test_poisson_cusum_accumulates_a_sustained_shift() -> None:
    # λ1 = 2 λ0, so each period adds x ln 2 - λ0; λ0 = the mean of the 7 periods before,
    # floored at 0.5: 0.5, then 3/7 -> 0.5, then 6/7
    series = [0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3]
    hit = poisson_cusum(series, 10, LIMITS)
    expected = sum(3 * math.log(2) - mean for mean in (0.5, 0.5, 6 / 7))
    assert hit is not None and hit.method == "poisson-cusum"
    assert hit.statistic == pytest.approx(expected)
    assert hit.expected == pytest.approx(6 / 7)
    assert poisson_cusum(series, 9, LIMITS) is None  # two steps (3.16) stay below h = 4


def test_a_steady_series_raises_nothing() -> None:
    series = [4, 5, 3, 4, 6, 4, 5, 4, 5, 3, 4, 5]
    assert all(aberrations(series, t, LIMITS) == [] for t in range(len(series)))


def test_thresholds_are_configurable() -> None:
    series = [1, 1, 1, 1, 1, 1, 1, 1, 3]
    assert aberrations(series, 8, LIMITS)  # (3-1)/0.5 = 4 > 3
    assert not [h for h in aberrations(series, 8, AberrationThresholds(c1=5, c2=5, c3=5))
                if h.method.startswith("ears")]  # fmt: skip
