"""Interrupted time series: did the city's weekly injury rate change at a policy date?

A Poisson GLM of weekly injuries with the insured headcount as exposure, a trend, an annual
season (one sine-cosine pair: a year of data cannot carry more), and at the policy date a
change of level and a change of slope. Errors: the wider of heteroscedasticity- and
autocorrelation-robust ones (Newey-West, 4 weeks: weeks next to each other are not independent)
and the model's scaled by its overdispersion (see RateRatio.wider_of).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm

from dashboards.evaluation.effect import (
    EvaluationError,
    RateRatio,
    fitted,
    sentence_en,
    sentence_zh,
)

HAC_LAGS = 4
MIN_WEEKS_EACH_SIDE = 8


@dataclass(frozen=True)
class SeriesBreak:
    policy_date: date
    level: RateRatio  # the rate just after the date against the trend before it
    slope: RateRatio  # the change per week after the date, against the trend before it
    weeks_before: int
    weeks_after: int
    fitted: pd.Series  # expected injuries per week, indexed by week start
    counterfactual: pd.Series  # the same without the break

    def sentence(self, language: str = "zh") -> str:
        when = self.policy_date.isoformat()
        if language == "zh":
            return sentence_zh(self.level, f"{when} 之后的周工伤发生率",
                               "按此前趋势与季节应有的水平")  # fmt: skip
        return sentence_en(self.level, f"After {when}, the weekly injury rate",
                           "what the earlier trend and season predict")  # fmt: skip


def series_break(weekly: pd.DataFrame, policy_date: date) -> SeriesBreak:
    """``weekly``: columns ``week_start`` (date), ``injuries``, ``insured``, one row per week.
    Raises EvaluationError with fewer than 8 weeks on either side of the date."""
    data = weekly.sort_values("week_start", ignore_index=True)
    after = (pd.to_datetime(data["week_start"]) >= pd.Timestamp(policy_date)).to_numpy()
    before_n, after_n = int((~after).sum()), int(after.sum())
    if min(before_n, after_n) < MIN_WEEKS_EACH_SIDE:
        raise EvaluationError(
            f"{before_n} week(s) before and {after_n} after {policy_date}: at least "
            f"{MIN_WEEKS_EACH_SIDE} on each side are needed"
        )
    week = np.arange(len(data), dtype=float)
    since = np.where(after, week - before_n, 0.0)
    season = 2 * np.pi * week / 52.18
    design = pd.DataFrame({
        "const": 1.0, "trend": week, "level": after.astype(float), "slope": since,
        "sin": np.sin(season), "cos": np.cos(season),
    })  # fmt: skip
    offset = np.log(data["insured"].to_numpy(dtype=float))
    model = sm.GLM(data["injuries"].to_numpy(dtype=float), design,
                   family=sm.families.Poisson(), offset=offset)  # fmt: skip
    robust = fitted("series", lambda: model.fit(cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS}))
    scaled = fitted("series", lambda: model.fit(scale="X2"))
    ratios = {name: RateRatio.wider_of(name, robust, scaled) for name in ("level", "slope")}
    without = design.assign(level=0.0, slope=0.0)
    index = pd.Index(data["week_start"], name="week_start")
    return SeriesBreak(
        policy_date, ratios["level"], ratios["slope"], before_n, after_n,
        pd.Series(np.asarray(robust.predict(design, offset=offset)), index=index),
        pd.Series(np.asarray(robust.predict(without, offset=offset)), index=index),
    )  # fmt: skip
