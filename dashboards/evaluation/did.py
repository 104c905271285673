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

from dashboards.evaluation.effect import RateRatio, sentence_en, sentence_zh

TERM = "trained_after"


@dataclass(frozen=True)
class TrainingEffect:
    """The DiD estimate and what it rests on."""

    ratio: RateRatio
    trained_enterprises: int
    comparison_enterprises: int
    enterprise_months: int

    def sentence(self, language: str = "zh") -> str:
        if language == "zh":
            return sentence_zh(self.ratio, "培训后企业的工伤发生率",
                               "同行业未培训（或尚未培训）企业同期水平")  # fmt: skip
        return sentence_en(self.ratio, "After training, an enterprise's injury rate",
                           "that of comparable untrained ones in the same months")  # fmt: skip


class EvaluationError(ValueError):
    """The data cannot carry the estimate (with what is missing)."""


def comparable_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """The rows the estimate uses: trained enterprises and the untrained ones of their
    industries, with at least one injury in the period."""
    trained = panel["trained_month"].notna()
    industries = set(panel.loc[trained, "industry"])
    kept = panel[trained | panel["industry"].isin(industries)].copy()
    injured = kept.groupby("enterprise_id")["injuries"].transform("sum") > 0
    kept = kept[injured]
    kept[TERM] = (kept["trained_month"].notna() & (kept["month"] > kept["trained_month"])).astype(
        float
    )
    return kept


def training_did(panel: pd.DataFrame) -> TrainingEffect:
    """The rate ratio of injuries after training (enterprise_months panel, dashboards/
    evaluation/panel.py). Raises EvaluationError when the panel has no trained enterprise with
    months after training or no comparison enterprise."""
    data = comparable_panel(panel)
    trained = data.loc[data["trained_month"].notna(), "enterprise_id"].nunique()
    comparison = data.loc[data["trained_month"].isna(), "enterprise_id"].nunique()
    if not data[TERM].any():
        raise EvaluationError("no trained enterprise with an injury and months after training")
    if comparison == 0:
        raise EvaluationError("no untrained enterprise with an injury in the trained industries")
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
    robust = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    ratio = RateRatio.wider_of(TERM, robust, model.fit(scale="X2"))
    return TrainingEffect(ratio, trained, comparison, len(data))
