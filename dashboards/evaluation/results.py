"""The evaluation as the dashboard and the report show it: the DiD of training and of prevention
funds (where the data allow: payments to registered enterprises) and the weekly series break on
the thematic database, each with its sentences, or the reason it cannot be estimated."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from dashboards.evaluation.did import EvaluationError, training_did
from dashboards.evaluation.its import series_break
from dashboards.evaluation.thematic import EvaluationRows


def evaluate(connection: duckdb.DuckDBPyConnection, policy_date: date | None) -> dict[str, Any]:
    """The training DiD and the weekly series break, each with what it means or why not."""
    result: dict[str, Any] = {}
    rows = EvaluationRows.read(connection)
    panel = rows.panel()
    for key, intervention in (("did", "training"), ("funds", "funding")):
        try:
            effect = training_did(panel, intervention)
            result[key] = {**vars(effect.ratio), "trained_enterprises": effect.trained_enterprises,
                           "comparison_enterprises": effect.comparison_enterprises,
                           "enterprise_months": effect.enterprise_months,
                           "sentence_zh": effect.sentence("zh"),
                           "sentence_en": effect.sentence("en")}  # fmt: skip
        except EvaluationError as error:
            result[key] = {"error": str(error)}
    weeks = rows.weeks()
    # Without a date: mid-series, the most even split (the programme rolls out all year).
    if policy_date is None and not weeks.empty:
        policy_date = weeks["week_start"].iloc[len(weeks) // 2]
    try:
        if policy_date is None:
            raise EvaluationError("no weekly series: the thematic database holds no injuries")
        found = series_break(weeks, policy_date)
        result["its"] = {
            "policy_date": found.policy_date.isoformat(), "level": vars(found.level),
            "slope": vars(found.slope), "weeks_before": found.weeks_before,
            "weeks_after": found.weeks_after,
            "weeks": [d.isoformat() for d in found.fitted.index],
            "observed": weeks["injuries"].tolist(),
            "fitted": [round(v, 3) for v in found.fitted.tolist()],
            "counterfactual": [round(v, 3) for v in found.counterfactual.tolist()],
            "sentence_zh": found.sentence("zh"), "sentence_en": found.sentence("en"),
        }  # fmt: skip
    except EvaluationError as error:
        result["its"] = {"error": str(error)}
    return result
