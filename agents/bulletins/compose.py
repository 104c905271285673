"""What a situation bulletin (态势简报) says, from the aggregate cells of the whole city.

Periods are event-time windows (week, month, quarter). A period is *closed* once the city has
data in a later period of the same kind, so a replayed year yields its 52 ISO weeks, 11 months
and 3 quarters (the last of each is still open: nothing after it has happened yet). Periods with
no data between closed ones get a bulletin too: a quiet week is news.

Key figures are city totals; 环比 compares with the previous period, 同比 with the same period a
year before (None where that period had none of the figure: no ratio against zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from agents.aggregation.cells import add_up
from agents.aggregation.windows import CITY_ZONE, Window, WindowKind, tumbling

KINDS = (WindowKind.WEEK, WindowKind.MONTH, WindowKind.QUARTER)
FIGURES = (
    "accidents", "deaths", "serious_injuries", "injury_applications", "recognised_injuries",
    "od_diagnoses", "hazards_found", "hazards_rectified_on_time", "training_completions",
)  # fmt: skip
#: the programme's target: 6,000 key people trained in the six key industries by end of 2025
TRAINING_TARGETS = {"RESPONSIBLE_LEADER": 600, "SAFETY_MANAGER": 1_200, "TEAM_LEADER": 4_200}
TOP_RISKS = 5
REPORTED = (*FIGURES, *(f"trained_{category.lower()}" for category in TRAINING_TARGETS))

#: (kind, label) -> district|industry -> totals
Periods = Mapping[tuple[str, str], Mapping[str, Mapping[str, float]]]


@dataclass(frozen=True)
class BulletinContent:
    window: Window
    figures: dict[str, float]
    change_vs_previous: dict[str, float | None]
    change_vs_last_year: dict[str, float | None]
    top_risks: list[str]
    training_to_date: dict[str, float]  # category -> trained in the year up to the period's end


def periods_from_cells(
    cells: Iterable[tuple[str, Mapping[str, float]]],
) -> dict[tuple[str, str], dict[str, Mapping[str, float]]]:
    """Group ``<kind>|<label>|<district>|<industry>`` cell totals by period; cells with none of
    the figures a bulletin reports are left out (benefits paid in the next year do not make its
    weeks a bulletin's business)."""
    grouped: dict[tuple[str, str], dict[str, Mapping[str, float]]] = {}
    for key, totals in cells:
        kind, label, district, industry = key.split("|")
        if kind in KINDS and any(totals.get(name) for name in REPORTED):
            grouped.setdefault((kind, label), {})[f"{district}|{industry}"] = totals
    return grouped


def _next(window: Window) -> Window:
    return tumbling(window.kind, window.end)


def _start_of(kind: WindowKind, label: str) -> datetime:
    """The first moment of a period named by its label (2025-W37, 2025-09, 2025-Q3)."""
    if kind is WindowKind.WEEK:
        year, week = label.split("-W")
        return datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=CITY_ZONE)
    if kind is WindowKind.MONTH:
        year, month = label.split("-")
        return datetime(int(year), int(month), 1, tzinfo=CITY_ZONE)
    year, quarter = label.split("-Q")
    return datetime(int(year), 3 * int(quarter) - 2, 1, tzinfo=CITY_ZONE)


def closed_windows(periods: Periods, kind: WindowKind) -> list[Window]:
    starts = sorted(_start_of(kind, label) for k, label in periods if k == kind)
    if not starts:
        return []
    window, last = tumbling(kind, starts[0]), tumbling(kind, starts[-1])
    closed = []
    while window.end <= last.start:
        closed.append(window)
        window = _next(window)
    return closed


def city_figures(periods: Periods, window: Window) -> dict[str, float]:
    totals = add_up(dict(t) for t in periods.get((window.kind.value, window.label), {}).values())
    figures = {name: float(totals.get(name, 0.0)) for name in FIGURES}
    for category in TRAINING_TARGETS:
        figures[f"trained_{category.lower()}"] = float(totals.get(f"trained_{category.lower()}", 0))
    found = figures["hazards_found"]
    figures["hazard_rectification_rate"] = (
        figures["hazards_rectified_on_time"] / found if found else 0.0
    )
    return figures


def _change(
    now: Mapping[str, float], before: Mapping[str, float] | None
) -> dict[str, float | None]:
    changes: dict[str, float | None] = {}
    for name, value in now.items():
        base = before.get(name) if before is not None else None
        changes[name] = (value - base) / base if base else None
    return changes


def _year_before(window: Window) -> Window:
    local = window.start.astimezone(CITY_ZONE)
    if window.kind is WindowKind.WEEK:
        year, week, _ = local.isocalendar()
        if week == 53:  # no twin a year before: the week 52 weeks back
            return tumbling(window.kind, local - timedelta(weeks=52))
        return tumbling(window.kind, _start_of(window.kind, f"{year - 1}-W{week:02d}"))
    return tumbling(window.kind, local.replace(year=local.year - 1))


def compose(periods: Periods) -> list[BulletinContent]:
    """A bulletin for every closed period, oldest first per kind. Each period's city figures are
    added up once and the year's training to date kept as a running sum: the leader composes
    every few seconds while cells change, on the event loop the alerts share (adding up every
    earlier week again for each week took ~1 s a time on a year of cells)."""
    bulletins = []
    added_up: dict[tuple[str, str], dict[str, float]] = {}

    def figures_of(window: Window) -> dict[str, float]:
        period = (window.kind.value, window.label)
        if period not in added_up:
            added_up[period] = city_figures(periods, window)
        return added_up[period]

    for kind in KINDS:
        seen = {label for k, label in periods if k == kind}
        trained: dict[tuple[int, str], float] = {}  # (year, category) -> trained so far
        for window in closed_windows(periods, kind):
            figures = figures_of(window)
            previous = figures_of(tumbling(kind, window.start - timedelta(days=1)))
            last_year = _year_before(window)
            before = figures_of(last_year) if last_year.label in seen else None
            families = periods.get((kind.value, window.label), {})
            ranked = sorted(
                families.items(),
                key=lambda item: (-item[1].get("deaths", 0), -item[1].get("accidents", 0),
                                  -item[1].get("injury_applications", 0), item[0]),
            )  # fmt: skip
            top = [
                f"{family}: 事故 {t.get('accidents', 0):g} 起, 死亡 {t.get('deaths', 0):g} 人, "
                f"工伤申报 {t.get('injury_applications', 0):g} 件"
                for family, t in ranked[:TOP_RISKS]
                if t.get("accidents", 0) or t.get("injury_applications", 0)
            ]
            to_date = {}
            for category in TRAINING_TARGETS:
                so_far = (window.start.year, category)
                trained[so_far] = trained.get(so_far, 0) + figures[f"trained_{category.lower()}"]
                to_date[category] = trained[so_far]
            bulletins.append(BulletinContent(
                window, figures, _change(figures, previous), _change(figures, before), top, to_date,
            ))  # fmt: skip
    return bulletins
