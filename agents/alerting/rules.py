"""The immediate alert rules (工伤事故风险预警, DESIGN.md "Risk alerts"), on one enterprise's
events and what the hub remembers of it (agents/alerting/history.py).

Every rule is re-checked on each relevant event against the whole remembered history, so an
event arriving late (or again) yields the same findings as in order; the alert book keeps one
open alert per rule and subject and adds new evidence to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agents.aggregation.metrics import ACCIDENT_TYPES, POISONING, accident_identity
from agents.aggregation.windows import CITY_ZONE
from agents.alerting.findings import ENTERPRISE, Finding, Subject, from_ms, to_ms
from agents.alerting.history import YEAR_MS, remember
from streams.contracts.codes import HazardFactor

GRADE_ZH = {"GENERAL": "一般", "LARGER": "较大", "MAJOR": "重大", "EXTRAORDINARY": "特别重大"}


@dataclass(frozen=True)
class RuleThresholds:
    repeat_accidents: int = 3  # distinct accidents of one enterprise within 12 months
    od_cluster: int = 2  # occupational-disease diagnoses of one enterprise within 12 months
    poisoning_victims: int = 2
    exposure_orange_ratio: float = 2.0  # a measurement this many times its limit is orange


@dataclass(frozen=True)
class Observed:
    """One department event as the rules see it."""

    event: dict[str, Any]
    subject: Subject

    @property
    def event_id(self) -> str:
        return str(self.event["envelope"]["event_id"])

    @property
    def occurred(self) -> datetime:
        moment: datetime = self.event["envelope"]["occurred_at"]
        return moment

    @property
    def event_type(self) -> str:
        return str(self.event["envelope"]["event_type"])


def _local_day(moment: datetime) -> str:
    return moment.astimezone(CITY_ZONE).strftime("%Y-%m-%d")


def _found(observed: Observed, rule: str, severity: str, evidence: list[str],
           zh: str, en: str, newest_ms: int | None = None) -> Finding:  # fmt: skip
    occurred = from_ms(newest_ms) if newest_ms is not None else observed.occurred
    return Finding(rule, observed.subject, severity, tuple(evidence), occurred, zh, en)


def _densest_year(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most facts within any 365 days (ending at one of them), oldest first."""
    ordered = sorted(facts, key=lambda fact: (fact["at"], fact["events"]))
    best: list[dict[str, Any]] = []
    for end in ordered:
        group = [f for f in ordered if end["at"] - YEAR_MS < f["at"] <= end["at"]]
        if len(group) > len(best):
            best = group
    return best


def _events(facts: list[dict[str, Any]]) -> list[str]:
    return [event for fact in facts for event in fact["events"]]


def _accident_rules(observed: Observed, history: dict[str, Any],
                    limits: RuleThresholds) -> list[Finding]:  # fmt: skip
    event = observed.event
    identity = accident_identity(observed.event)
    remember(history, "accidents", identity, to_ms(observed.occurred), observed.event_id,
             deaths=event["deaths"], serious=event["serious_injuries"])  # fmt: skip
    reports = history["accidents"][identity]["events"]
    day, uscc = _local_day(observed.occurred), observed.subject.enterprise_id
    found = []
    if event["deaths"] > 0:
        found.append(_found(
            observed, "death", "RED", reports,
            f"{day} 企业 {uscc} 发生生产安全事故, 死亡 {event['deaths']} 人",
            f"{day}: an accident at enterprise {uscc} killed {event['deaths']}",
        ))  # fmt: skip
    if event["grade"] != "GENERAL":
        grade = event["grade"]
        found.append(_found(
            observed, "larger-accident", "ORANGE" if grade == "LARGER" else "RED", reports,
            f"{day} 企业 {uscc} 发生{GRADE_ZH[grade]}事故",
            f"{day}: a {grade.lower()} accident at enterprise {uscc}",
        ))  # fmt: skip
    if event["accident_type"] == POISONING and event["victims"] >= limits.poisoning_victims:
        found.append(_found(
            observed, "poisoning-asphyxiation", "ORANGE", reports,
            f"{day} 企业 {uscc} 发生中毒窒息事故, 涉及 {event['victims']} 人",
            f"{day}: poisoning or asphyxiation at enterprise {uscc}, {event['victims']} victims",
        ))  # fmt: skip
    repeated = _densest_year(list(history["accidents"].values()))
    if len(repeated) >= limits.repeat_accidents:
        found.append(_found(
            observed, "repeat-accidents", "ORANGE", _events(repeated),
            f"企业 {uscc} 12个月内发生 {len(repeated)} 起事故",
            f"enterprise {uscc} had {len(repeated)} accidents within 12 months",
            repeated[-1]["at"],
        ))  # fmt: skip
    return found


def _od_rules(observed: Observed, history: dict[str, Any],
              limits: RuleThresholds) -> list[Finding]:  # fmt: skip
    remember(history, "od", observed.event_id, to_ms(observed.occurred), observed.event_id)
    cluster = _densest_year(list(history["od"].values()))
    if len(cluster) < limits.od_cluster:
        return []
    uscc = observed.subject.enterprise_id
    return [_found(
        observed, "occupational-disease-cluster", "ORANGE", _events(cluster),
        f"企业 {uscc} 12个月内确诊职业病 {len(cluster)} 例",
        f"enterprise {uscc}: {len(cluster)} occupational-disease diagnoses within 12 months",
        cluster[-1]["at"],
    )]  # fmt: skip


def exposure_ratio(event: dict[str, Any], factors: dict[str, HazardFactor]) -> float | None:
    """The measurement over its limit of the same kind; None if the factor has no such limit."""
    factor = factors.get(event["hazard_factor"])
    limit = factor.limit(event["limit_kind"]) if factor else None
    if limit is None or limit.value <= 0:
        return None
    return float(event["value"]) / limit.value


def _exposure_rules(observed: Observed, history: dict[str, Any], limits: RuleThresholds,
                    factors: dict[str, HazardFactor]) -> list[Finding]:  # fmt: skip
    event = observed.event
    ratio = exposure_ratio(event, factors)
    if ratio is None or ratio <= 1:
        return []
    remember(history, "exceedances", observed.event_id, to_ms(observed.occurred),
             observed.event_id, ratio=round(ratio, 3))  # fmt: skip
    over = sorted(history["exceedances"].values(), key=lambda fact: (fact["at"], fact["events"]))
    worst = max(fact["ratio"] for fact in over)
    day, uscc = _local_day(observed.occurred), observed.subject.enterprise_id
    return [_found(
        observed, "exposure-over-limit",
        "ORANGE" if worst >= limits.exposure_orange_ratio else "YELLOW", _events(over),
        f"{day} 企业 {uscc} {event['hazard_factor']} 检测值为限值({event['limit_kind']})的 "
        f"{ratio:.1f} 倍",
        f"{day}: {event['hazard_factor']} at enterprise {uscc} measured {ratio:.1f} times "
        f"its {event['limit_kind']} limit",
    )]  # fmt: skip


def observe(
    observed: Observed,
    history: dict[str, Any],
    factors: dict[str, HazardFactor],
    limits: RuleThresholds = RuleThresholds(),
) -> list[Finding]:
    """Remember what ``observed`` adds to ``history`` (mutated) and return what the immediate
    rules find now. Events no rule reads only feed the risk score (agents/alerting/risk.py)."""
    if observed.subject.kind != ENTERPRISE:
        return []
    kind = observed.event_type
    if kind in ACCIDENT_TYPES:
        return _accident_rules(observed, history, limits)
    if kind == "health.od-diagnosis":
        return _od_rules(observed, history, limits)
    if kind == "health.hazard-measurement":
        return _exposure_rules(observed, history, limits, factors)
    _remember_for_risk(observed, history)
    return []


def _remember_for_risk(observed: Observed, history: dict[str, Any]) -> None:
    event, at = observed.event, to_ms(observed.occurred)
    match observed.event_type:
        case "emergency.hazard-inspection":
            rectified, deadline = event.get("rectified_on"), event["deadline"]
            late = rectified is not None and rectified > deadline
            major = event["level"] == "MAJOR"
            remember(history, "hazards", event["hazard_id"], at, observed.event_id,
                     major=major, late=late)  # fmt: skip
        case "union.worker-report":
            if event.get("substantiated") is not False:
                remember(history, "reports", observed.event_id, at, observed.event_id)
        case "hrss.training-completion":
            remember(history, "trained", observed.event_id, at, observed.event_id)


RULE_EVENT_TYPES: frozenset[str] = frozenset(
    {*ACCIDENT_TYPES, "health.od-diagnosis", "health.hazard-measurement",
     "emergency.hazard-inspection", "union.worker-report", "hrss.training-completion"}
)  # fmt: skip
