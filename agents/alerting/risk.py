"""The enterprise risk score and its colour (安全风险分级: 红/橙/黄/蓝).

Over the 365 days up to the enterprise's newest event (history.in_last_year):

    score = 25 × deaths + 8 × serious injuries + 4 × accidents (each accident once, however
            many departments reported it) + 6 × occupational-disease diagnoses
            + 3 × measurements over an exposure limit + 3 × hazards rectified late
            + 5 × major hazards + 1 × worker reports (not found unsubstantiated)
            − min(5, training completions)        (never below 0)

Colour: RED from 25 (a death alone), ORANGE from 12, YELLOW from 5, else BLUE. Weights and
bounds are the design's first cut, chosen so one death is red, a serious accident or an
occupational-disease case with another warning sign is orange, and a single minor accident
stays blue; the joint meeting can tune them (RiskWeights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.alerting.history import in_last_year


@dataclass(frozen=True)
class RiskWeights:
    death: float = 25
    serious_injury: float = 8
    accident: float = 4
    od_case: float = 6
    exceedance: float = 3
    late_rectification: float = 3
    major_hazard: float = 5
    worker_report: float = 1
    training: float = 1
    training_cap: float = 5
    red: float = 25
    orange: float = 12
    yellow: float = 5


@dataclass(frozen=True)
class RiskScore:
    score: float
    colour: str
    components: dict[str, float]


def colour_of(score: float, weights: RiskWeights = RiskWeights()) -> str:
    if score >= weights.red:
        return "RED"
    if score >= weights.orange:
        return "ORANGE"
    if score >= weights.yellow:
        return "YELLOW"
    return "BLUE"


def risk_score(history: dict[str, Any], weights: RiskWeights = RiskWeights()) -> RiskScore:
    accidents = in_last_year(history, "accidents")
    hazards = in_last_year(history, "hazards")
    components = {
        "deaths": weights.death * sum(a["deaths"] for a in accidents),
        "serious_injuries": weights.serious_injury * sum(a["serious"] for a in accidents),
        "accidents": weights.accident * len(accidents),
        "od_cases": weights.od_case * len(in_last_year(history, "od")),
        "exceedances": weights.exceedance * len(in_last_year(history, "exceedances")),
        "late_rectifications": weights.late_rectification * sum(h["late"] for h in hazards),
        "major_hazards": weights.major_hazard * sum(h["major"] for h in hazards),
        "worker_reports": weights.worker_report * len(in_last_year(history, "reports")),
        "training": -min(
            weights.training_cap, weights.training * len(in_last_year(history, "trained"))
        ),
    }
    score = max(0.0, sum(components.values()))
    return RiskScore(score, colour_of(score, weights), components)
