"""Model-unit candidates (工伤预防模范单位): enterprises meeting transparent, configurable criteria
in a year, each with the evidence, read from the thematic database.

The criteria, all of them required:
- no serious accident: no accident report (应急, 住建 or 交通) with a death or a serious injury;
- full training coverage: completions in every required training category;
- hazards rectified on time: of the hidden hazards found whose deadline has passed by the end of
  the year, at least the required share rectified by their deadline (none found passes);
- no occupational-disease case: no diagnosis in the year.
A union nomination (总工会) is shown as evidence, not required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

ACCIDENT_TABLES = (
    "accidents.emergency_accident_report",
    "accidents.housing_construction_accident",
    "accidents.transport_accident",
)
TRAINING_CATEGORIES = ("RESPONSIBLE_LEADER", "SAFETY_MANAGER", "TEAM_LEADER")


@dataclass(frozen=True)
class Criteria:
    max_serious_accidents: int = 0
    required_training: tuple[str, ...] = TRAINING_CATEGORIES
    min_on_time_share: float = 1.0
    max_od_cases: int = 0


@dataclass(frozen=True)
class Candidate:
    enterprise_id: str
    name: str
    district: str
    industry: str
    evidence: dict[str, Any]  # criterion -> what the data show


def _year_bounds(year: int) -> tuple[str, str]:
    """Half-open bounds in city time, as SQL timestamp literals with the zone."""
    return f"{year}-01-01 00:00:00+08", f"{year + 1}-01-01 00:00:00+08"


def _enterprise_facts(
    connection: duckdb.DuckDBPyConnection, year: int
) -> dict[str, dict[str, Any]]:
    start, end = _year_bounds(year)
    facts: dict[str, dict[str, Any]] = {}

    def each(sql: str, parameters: list[Any]) -> list[tuple[Any, ...]]:
        return connection.execute(sql, parameters).fetchall()

    # constants only below: table names and this condition; values are bound parameters
    period = "occurred_at >= CAST(? AS TIMESTAMPTZ) AND occurred_at < CAST(? AS TIMESTAMPTZ)"
    accidents = " UNION ALL ".join(
        f"SELECT enterprise_id, deaths, serious_injuries FROM {t} WHERE {period}"  # noqa: S608
        for t in ACCIDENT_TABLES
    )
    for enterprise, reports, serious in each(
        f"SELECT enterprise_id, count(*), count(*) FILTER (deaths > 0 OR serious_injuries > 0) "  # noqa: S608
        f"FROM ({accidents}) GROUP BY enterprise_id",
        [start, end] * len(ACCIDENT_TABLES),
    ):
        facts.setdefault(enterprise, {}).update(accident_reports=reports, serious_accidents=serious)
    for enterprise, categories in each(
        "SELECT enterprise_id, list(DISTINCT category ORDER BY category) "  # noqa: S608
        f"FROM training.hrss_training_completion WHERE {period} GROUP BY enterprise_id",
        [start, end],
    ):
        facts.setdefault(enterprise, {})["trained_categories"] = list(categories)
    year_end = date(year, 12, 31)
    for enterprise, due, on_time in each(
        "SELECT enterprise_id, count(*) FILTER (deadline <= ?), "  # noqa: S608
        "count(*) FILTER (deadline <= ? AND rectified_on IS NOT NULL AND rectified_on <= deadline) "
        f"FROM accidents.emergency_hazard_inspection WHERE {period} GROUP BY enterprise_id",
        [year_end, year_end, start, end],
    ):
        facts.setdefault(enterprise, {}).update(hazards_due=due, hazards_on_time=on_time)
    for enterprise, cases in each(
        f"SELECT enterprise_id, count(*) FROM occupational.health_od_diagnosis WHERE {period} "  # noqa: S608
        "GROUP BY enterprise_id",
        [start, end],
    ):
        facts.setdefault(enterprise, {})["od_cases"] = cases
    for enterprise, reason in each(
        "SELECT enterprise_id, any_value(reason) FROM training.union_model_unit_nomination "
        "WHERE year = ? GROUP BY enterprise_id",
        [year],
    ):
        facts.setdefault(enterprise, {})["union_nomination"] = reason
    return facts


def _evidence(found: dict[str, Any], criteria: Criteria) -> dict[str, Any] | None:
    """What the enterprise shows on each criterion, or None if it misses one."""
    serious = found.get("serious_accidents", 0)
    trained = found.get("trained_categories", [])
    due, on_time = found.get("hazards_due", 0), found.get("hazards_on_time", 0)
    share = on_time / due if due else 1.0
    od_cases = found.get("od_cases", 0)
    if (
        serious > criteria.max_serious_accidents
        or not set(criteria.required_training) <= set(trained)
        or share < criteria.min_on_time_share
        or od_cases > criteria.max_od_cases
    ):
        return None
    return {
        "serious_accidents": serious,
        "accident_reports": found.get("accident_reports", 0),
        "trained_categories": trained,
        "hazards_due": due,
        "hazards_on_time": on_time,
        "on_time_share": round(share, 4),
        "od_cases": od_cases,
        "union_nomination": found.get("union_nomination"),
    }


def model_unit_candidates(
    connection: duckdb.DuckDBPyConnection, year: int, criteria: Criteria | None = None
) -> list[Candidate]:
    """The registered enterprises meeting every criterion in ``year``, nominated ones first."""
    criteria = criteria or Criteria()
    facts = _enterprise_facts(connection, year)
    candidates = []
    for uscc, name, district, industry in connection.execute(
        "SELECT uscc, name, district, industry FROM hub.reference_enterprise ORDER BY uscc"
    ).fetchall():
        evidence = _evidence(facts.get(uscc, {}), criteria)
        if evidence is not None:
            candidates.append(Candidate(uscc, name, district, industry, evidence))
    return sorted(candidates, key=lambda c: (c.evidence["union_nomination"] is None,
                                             c.enterprise_id))  # fmt: skip
