"""Weekly district × industry series for the aberration methods, read off the aggregate cells
(agents/aggregation/rollup.py) of the family whose week just changed."""

from __future__ import annotations

from datetime import timedelta

from agents.aggregation.rollup import CellStore, cell_key, totals_of
from agents.aggregation.windows import Window, WindowKind, tumbling
from agents.alerting.aberration import AberrationThresholds, aberrations
from agents.alerting.findings import DISTRICT_INDUSTRY, Finding, Subject

#: metric -> how people call it; each has its own series and alerts
SERIES = {
    "injury_applications": ("工伤申报", "work-injury claims"),
    "accidents": ("生产安全事故", "accidents"),
}
#: weeks read for each evaluation: the EARS baselines (C3 reaches back 2 + 2 + 7) and more
SERIES_WEEKS = 20
SEVERITY = {
    "ears-c1": "YELLOW",
    "ears-c2": "YELLOW",
    "ears-c3": "ORANGE",
    "poisson-cusum": "ORANGE",
}


def weekly_series(
    store: CellStore, week: Window, district: str, industry: str, metric: str, length: int
) -> list[float]:
    """``length`` weeks of ``metric`` ending with ``week`` (oldest first; 0 where none)."""
    series = []
    for back in range(length - 1, -1, -1):
        window = tumbling(WindowKind.WEEK, week.start - timedelta(days=7 * back))
        series.append(totals_of(store, window, district, industry).get(metric, 0.0))
    return series


def surge_findings(
    store: CellStore, week: Window, district: str, industry: str, limits: AberrationThresholds
) -> list[Finding]:
    """What the aberration methods find for ``week`` of this district × industry, per metric.
    The series reaches back far enough for every method's baseline and for the CUSUM to settle."""
    subject = Subject(DISTRICT_INDUSTRY, district, industry)
    found = []
    for metric, (zh, en) in SERIES.items():
        series = weekly_series(store, week, district, industry, metric, SERIES_WEEKS)
        for hit in aberrations(series, len(series) - 1, limits):
            found.append(Finding(
                f"{hit.method}:{metric}", subject, SEVERITY[hit.method],
                (cell_key(week, district, industry),), week.start,
                f"{week.label} {district} 区 {industry} 行业{zh} {hit.observed:g} 起, 基线均值 "
                f"{hit.expected:.1f} ({hit.method} 统计量 {hit.statistic:.1f} > {hit.threshold:g})",
                f"{week.label}: {hit.observed:g} {en} in district {district}, industry "
                f"{industry}, against a baseline mean of {hit.expected:.1f} ({hit.method} "
                f"{hit.statistic:.1f} > {hit.threshold:g})",
            ))  # fmt: skip
    return found
