"""Situation bulletins composed from aggregate cells: which periods are closed, key figures with
环比 and 同比, top risks, training progress, and the Markdown and HTML people read."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agents.aggregation.metrics import Contribution
from agents.aggregation.rollup import roll_up
from agents.aggregation.windows import CITY_ZONE, WindowKind
from agents.bulletins.compose import closed_windows, compose, periods_from_cells
from agents.bulletins.render import html, markdown_zh


def _cells(*events: tuple[datetime, str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Roll contributions up as the aggregation agent does; the cell totals it would publish."""
    store: dict[str, object] = {}
    latest: dict[str, dict[str, float]] = {}
    for number, (moment, family, metrics) in enumerate(events):
        district, industry = family.split("|")
        added = Contribution(f"e-{number}", moment, district, industry, "x", metrics)
        for window, totals in roll_up(store, added):
            latest[f"{window.kind}|{window.label}|{family}"] = totals
    return latest


def _day(month: int, day: int, year: int = 2025) -> datetime:
    return datetime(year, month, day, 9, tzinfo=CITY_ZONE)


def test_a_whole_year_closes_52_weeks_11_months_3_quarters() -> None:
    days = [_day(1, 1) + timedelta(days=n) for n in range(365)]
    cells = _cells(*[(d, "370211|C37", {"accidents": 1.0}) for d in days])
    # benefits paid into the next year are no bulletin figure: they close no period
    cells |= _cells((_day(3, 2, 2026), "370211|C37", {"benefits_paid_yuan": 900.0}))
    periods = periods_from_cells(cells.items())
    weeks = closed_windows(periods, WindowKind.WEEK)
    assert len(weeks) == 52
    assert weeks[0].start == datetime(2024, 12, 30, tzinfo=CITY_ZONE)  # 2025-W01 holds Jan 1
    assert weeks[-1].label == "2025-W52" and weeks[-1].end == datetime(
        2025, 12, 29, tzinfo=CITY_ZONE
    )
    assert len(closed_windows(periods, WindowKind.MONTH)) == 11
    assert [w.label for w in closed_windows(periods, WindowKind.QUARTER)] == [
        "2025-Q1", "2025-Q2", "2025-Q3"]  # fmt: skip
    assert len(compose(periods)) == 52 + 11 + 3


def test_figures_changes_and_quiet_periods() -> None:
    cells = _cells(
        (_day(3, 3), "370211|C37", {"accidents": 2, "deaths": 1}),
        (_day(3, 4), "370212|E47", {"accidents": 1, "injury_applications": 3}),
        # week of 2025-03-10: nothing. Week of 03-17: one accident.
        (
            _day(3, 18),
            "370211|C37",
            {"accidents": 1, "hazards_found": 4, "hazards_rectified_on_time": 3},
        ),
        (_day(3, 25), "370211|C37", {"accidents": 1}),  # opens a later week: 03-17 is closed
        (_day(3, 4, 2024), "370211|C37", {"accidents": 4}),  # a year before 2025-W10
    )
    weekly = {b.window.label: b for b in compose(periods_from_cells(cells.items()))
              if b.window.kind is WindowKind.WEEK}  # fmt: skip
    w10, w11, w12 = weekly["2025-W10"], weekly["2025-W11"], weekly["2025-W12"]
    assert (w10.figures["accidents"], w10.figures["deaths"]) == (3, 1)
    assert w10.change_vs_last_year["accidents"] == pytest.approx((3 - 4) / 4)
    assert w10.change_vs_last_year["deaths"] is None  # none a year before: no ratio
    assert w11.figures["accidents"] == 0  # a quiet week still has its bulletin
    assert w11.change_vs_previous["accidents"] == pytest.approx(-1.0)
    assert w12.change_vs_previous["accidents"] is None  # against an empty week
    assert w12.figures["hazard_rectification_rate"] == pytest.approx(0.75)
    assert w10.top_risks[0].startswith("370211|C37: 事故 2 起, 死亡 1 人")


def test_training_progress_is_the_year_to_date() -> None:
    cells = _cells(
        (_day(1, 7), "370211|C37", {"trained_team_leader": 10}),
        (_day(1, 14), "370211|C37", {"trained_team_leader": 5, "trained_safety_manager": 2}),
        (_day(1, 21), "370211|C37", {"training_completions": 1}),
    )
    weekly = [b for b in compose(periods_from_cells(cells.items()))
              if b.window.kind is WindowKind.WEEK]  # fmt: skip
    assert [b.training_to_date["TEAM_LEADER"] for b in weekly] == [10, 15]
    assert weekly[-1].training_to_date["SAFETY_MANAGER"] == 2


def test_markdown_and_html_for_people() -> None:
    cells = _cells((_day(3, 3), "370211|C37", {"accidents": 2, "deaths": 1}),
                   (_day(3, 12), "370211|C37", {"accidents": 1}))  # fmt: skip
    (week, *_) = compose(periods_from_cells(cells.items()))
    alerts = [{"severity": "RED", "alert_id": "death/913702/1", "message_zh": "发生死亡事故 <b>"}]
    text = markdown_zh(week, alerts)
    assert text.startswith("# 工伤预防态势周报 2025-W10\n")
    assert "统计期间: 2025-03-03 至 2025-03-09" in text
    assert "| 生产安全事故 (起) | 2 | — | — |" in text
    assert "- [RED] death/913702/1: 发生死亡事故 <b>" in text
    assert "| 班组长 | 0 | 4200 | 0.0% |" in text
    page = html(text)
    assert "<table>" in page and "<h1>工伤预防态势周报 2025-W10</h1>" in page
    assert "&lt;b&gt;" in page and "<b>" not in page  # raw HTML in a message is escaped
