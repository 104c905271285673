"""Difference-in-differences of injury rates: trained enterprises against comparable untrained
ones, before and after training.

A Poisson GLM of each enterprise's monthly injuries with its insured headcount as exposure
(``offset = log(insured)``), a fixed effect per enterprise (each its own baseline: trained
enterprises are the larger ones) and per month (the season and city-wide change), and one term
``trained_after``: 1 in the months after an enterprise's first training month. Training is
staggered (quarter by quarter), so not-yet-trained months of trained enterprises count as
controls too. Comparable: the controls are untrained enterprises of the industries where some
enterprise was trained. Errors: the wider of errors clustered by enterprise (its months are not
independent) and the model's scaled by its overdispersion (see RateRatio.wider_of).

An enterprise without a single injury in the year has no information on the effect here (its
fixed effect runs to minus infinity) and is left out, which changes no estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

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

__all__ = ["EvaluationError", "TrainingEffect", "comparable_panel", "training_did"]

TERM = "trained_after"


#: what an enterprise receives, the panel column of its first month, and the sentences' words
INTERVENTIONS = {
    "training": ("trained_month", ("培训后企业的工伤发生率",
                                   "同行业未培训（或尚未培训）企业同期水平"),
                 ("After training, an enterprise's injury rate",
                  "that of comparable untrained ones in the same months")),
    "funding": ("funded_month", ("获得工伤预防费拨付后企业的工伤发生率",
                                 "同行业未获拨付企业同期水平"),
                ("After receiving prevention funds, an enterprise's injury rate",
                 "that of comparable unfunded ones in the same months")),
}  # fmt: skip


@dataclass(frozen=True)
class TrainingEffect:
    """The DiD estimate and what it rests on (``intervention``: training or funding)."""

    ratio: RateRatio
    trained_enterprises: int  # the enterprises that received it
    comparison_enterprises: int
    enterprise_months: int
    intervention: str = "training"

    def sentence(self, language: str = "zh") -> str:
        _, words_zh, words_en = INTERVENTIONS[self.intervention]
        if language == "zh":
            return sentence_zh(self.ratio, *words_zh)
        return sentence_en(self.ratio, *words_en)


def comparable_panel(panel: pd.DataFrame, column: str = "trained_month") -> pd.DataFrame:
    """The rows the estimate uses: enterprises that received the intervention (first month in
    ``column``) and those of their industries that did not, with at least one injury."""
    trained = panel[column].notna()
    industries = set(panel.loc[trained, "industry"])
    kept = panel[trained | panel["industry"].isin(industries)].copy()
    injured = kept.groupby("enterprise_id")["injuries"].transform("sum") > 0
    kept = kept[injured]
    after = kept["month"] > kept[column].fillna("9999-12")  # never: no month is after it
    kept[TERM] = (kept[column].notna() & after).astype(float)
    return kept


def training_did(panel: pd.DataFrame, intervention: str = "training") -> TrainingEffect:
    """The rate ratio of injuries after the intervention (enterprise_months panel, dashboards/
    evaluation/panel.py). Raises EvaluationError when no enterprise that received it has
    months after it, or no comparison enterprise is left."""
    column = INTERVENTIONS[intervention][0]
    data = comparable_panel(panel, column)
    trained = data.loc[data[column].notna(), "enterprise_id"].nunique()
    comparison = data.loc[data[column].isna(), "enterprise_id"].nunique()
    if not data[TERM].any():
        raise EvaluationError(f"no enterprise with an injury and months after {intervention}")
    if comparison == 0:
        raise EvaluationError(f"no comparison enterprise with an injury (for {intervention})")
    design = pd.get_dummies(data[["enterprise_id", "month"]], drop_first=True, dtype=float)
    design.insert(0, TERM, data[TERM].to_numpy())
    design = sm.add_constant(design, has_constant="add")
    groups = pd.factorize(data["enterprise_id"])[0]
    model = sm.GLM(
        data["injuries"].to_numpy(dtype=float),
        design,
        family=sm.families.Poisson(),
        offset=np.log(data["insured"].to_numpy(dtype=float)),
    )
    robust = fitted(
        intervention, lambda: model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    )
    scaled = fitted(intervention, lambda: model.fit(scale="X2"))
    ratio = RateRatio.wider_of(TERM, robust, scaled)
    return TrainingEffect(ratio, trained, comparison, len(data), intervention)
