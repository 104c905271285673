"""Policy-effect evaluation (dashboards/evaluation/) on generated years with a known training
effect, and on simulated weekly series with a known break."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.thematic.sink import ThematicDatabase
from connectors.synthetic.generate import YearOptions, plan_year
from dashboards.evaluation.did import EvaluationError, training_did
from dashboards.evaluation.its import series_break
from dashboards.evaluation.panel import enterprise_months
from dashboards.evaluation.thematic import panel_from_thematic, weeks_from_thematic
from injuryhub.wiring import load_contracts
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.support import insert_event

CODES = load_contracts(HubSettings()).codes
REGISTRY = load_registry(HubSettings().schemas_path)
TRUE_FALL = 0.30  # the generator's relative fall of a trained enterprise's injury rate


def _year_panel(seed: int, scale: float, effect: float = TRUE_FALL) -> pd.DataFrame:
    ctx, _ = plan_year(YearOptions(2025, seed, scale, training_effect=effect), CODES)
    planned = ctx.planned
    return enterprise_months(
        [(p.payload["enterprise_id"], p.industry, p.payload["month"], p.payload["insured_count"])
         for p in planned["hrss.insured-headcount"]],
        [(p.payload["enterprise_id"], p.occurred) for p in planned["health.injury-treatment"]],
        [(p.payload["enterprise_id"], p.occurred) for p in planned["hrss.training-completion"]],
    )  # fmt: skip


def test_the_did_interval_holds_the_true_effect_for_at_least_9_of_10_seeds() -> None:
    true_ratio = 1 - TRUE_FALL
    effects = [training_did(_year_panel(seed, 0.08)) for seed in range(1, 11)]

    covered = [e.ratio.contains(true_ratio) for e in effects]
    assert sum(covered) >= 9, [(round(e.ratio.low, 2), round(e.ratio.high, 2)) for e in effects]
    assert all(e.trained_enterprises >= 10 and e.comparison_enterprises > 50 for e in effects)
    # centred on the truth, not merely wide: the seeds' pooled estimate is near 0.70
    pooled = np.exp(np.mean([np.log(e.ratio.estimate) for e in effects]))
    assert 0.55 < pooled < 0.85, pooled


def test_without_an_effect_the_did_finds_none() -> None:
    effect = training_did(_year_panel(3, 0.08, effect=0.0))

    assert effect.ratio.contains(1.0)
    assert "cannot tell" in effect.sentence("en") and "尚不能" in effect.sentence("zh")


def test_a_panel_without_training_is_refused_with_the_reason() -> None:
    panel = _year_panel(2, 0.01)
    panel["trained_month"] = None

    with pytest.raises(EvaluationError, match="no enterprise with an injury and months after"):
        training_did(panel)


def test_the_panel_counts_injuries_in_the_city_month_and_first_training() -> None:
    new_year_eve = datetime(2025, 1, 31, 16, 30, tzinfo=UTC)  # 1 February 00:30 in Qingdao
    panel = enterprise_months(
        [("E1", "C33", date(2025, 1, 1), 100), ("E1", "C33", date(2025, 2, 1), 110)],
        [("E1", new_year_eve), ("E1", new_year_eve + timedelta(days=2))],
        [("E1", datetime(2025, 2, 10, tzinfo=UTC)), ("E1", datetime(2025, 1, 5, tzinfo=UTC))],
    )

    assert panel["injuries"].tolist() == [0, 2]
    assert panel["trained_month"].tolist() == ["2025-01", "2025-01"]


def _weekly(level_ratio: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weeks = 104
    insured = np.full(weeks, 200_000.0)
    week = np.arange(weeks)
    rate = 0.25 / 1000 * (1 + 0.2 * np.sin(2 * np.pi * week / 52.18))
    rate = rate * np.where(week >= 52, level_ratio, 1.0)
    return pd.DataFrame({
        "week_start": [date(2024, 1, 1) + timedelta(weeks=int(w)) for w in week],
        "injuries": rng.poisson(rate * insured),
        "insured": insured,
    })  # fmt: skip


def test_the_series_break_interval_holds_a_known_level_change_nine_times_in_ten() -> None:
    breaks = [series_break(_weekly(0.7, seed), date(2024, 12, 30)) for seed in range(100)]

    assert sum(b.level.contains(0.7) for b in breaks) >= 90
    assert sum(b.slope.contains(1.0) for b in breaks) >= 90
    pooled = np.exp(np.mean([np.log(b.level.estimate) for b in breaks]))
    assert 0.65 < pooled < 0.75, pooled
    first = breaks[0]
    assert (first.weeks_before, first.weeks_after) == (52, 52)
    assert first.counterfactual.iloc[-1] > first.fitted.iloc[-1]
    assert "95% 区间" in first.sentence("zh") and "95% interval" in first.sentence("en")


def test_a_series_break_too_near_the_edge_is_refused() -> None:
    with pytest.raises(EvaluationError, match="at least 8 on each side"):
        series_break(_weekly(1.0, seed=1), date(2025, 12, 1))


def test_the_panel_and_weeks_come_from_the_thematic_database(tmp_path: Path) -> None:
    database = ThematicDatabase(tmp_path / "thematic.duckdb", REGISTRY)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    try:
        put = functools.partial(insert_event, database)
        put("reference.enterprise", "ent-1", start, uscc="E1", industry="C3311")
        for month in (1, 2):
            put("hrss.insured-headcount", f"hc-{month}", start, enterprise_id="E1",
                month=date(2025, month, 1), insured_count=100 * month)  # fmt: skip
        put("health.injury-treatment", "tr-1", datetime(2025, 1, 31, 17, tzinfo=UTC),
            enterprise_id="E1")  # fmt: skip
        put("hrss.training-completion", "px-1", datetime(2025, 1, 9, tzinfo=UTC),
            enterprise_id="E1")  # fmt: skip
        panel = panel_from_thematic(database.connection)
        weeks = weeks_from_thematic(database.connection)
    finally:
        database.close()

    assert panel.to_dict("records") == [
        {"enterprise_id": "E1", "industry": "C3311", "month": "2025-01", "injuries": 0,
         "insured": 100, "trained_month": "2025-01", "funded_month": None},
        {"enterprise_id": "E1", "industry": "C3311", "month": "2025-02", "injuries": 1,
         "insured": 200, "trained_month": "2025-01", "funded_month": None},
    ]  # fmt: skip
    assert weeks["week_start"].iloc[0] == date(2024, 12, 30)  # the Monday of 1 January
    injured_week = weeks[weeks["injuries"] > 0]
    assert injured_week["week_start"].tolist() == [date(2025, 1, 27)]  # 1 Feb 01:00, city time
    assert injured_week["insured"].tolist() == [100]  # its Thursday is in January
    assert weeks["week_start"].iloc[-1] == date(2025, 2, 24)


def test_a_fit_that_runs_off_is_refused_not_shown_as_a_ratio() -> None:
    rows = []
    for enterprise, trained in (("T1", "2025-03"), ("T2", "2025-04"), ("C1", None), ("C2", None)):
        for month in range(1, 13):
            label = f"2025-{month:02d}"
            after = trained is not None and label > trained
            injuries = 0 if after else 2  # the trained: not one injury after training
            rows.append((enterprise, "C3311", label, injuries, 500, trained, None))
    panel = pd.DataFrame(rows, columns=["enterprise_id", "industry", "month", "injuries",
                                        "insured", "trained_month", "funded_month"])  # fmt: skip

    with pytest.raises(EvaluationError, match="too few injuries"):
        training_did(panel)
