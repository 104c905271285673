"""工伤事故风险预警 — the early-warning view's data, from the thematic database: the alerts (newest
revision each) with their lifecycle steps, the enterprises ranked by risk colour and score, and
a district × key-industry heat map of injuries per 1,000 insured in a period."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb

from dashboards.overview import Cell, Filters, cells, key_industry_of, totals
from streams.contracts.codes import CodeLists

SEVERITY_ORDER = {"RED": 0, "ORANGE": 1, "YELLOW": 2, "BLUE": 3}
HEAT_FIGURE = "injuries_per_1000_insured"


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


def alerts(connection: duckdb.DuckDBPyConnection, filters: Filters,
           include_closed: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Alerts of the filtered district and industry, worst and newest first."""
    sql = ("SELECT alert_id, rule, subject_kind, enterprise_id, district, industry, severity, "
           "status, revision, epoch_ms(opened_at), message_zh, message_en, evidence_event_ids, "
           "steps FROM hub.hub_alert WHERE true")  # fmt: skip
    if not include_closed:
        sql += " AND status <> 'CLOSED'"
    filtered, parameters = filters.sql("district", "industry")
    found = []
    for row in connection.execute(sql + filtered, parameters).fetchall():
        (alert_id, rule, kind, enterprise, district, industry, severity, status, revision,
         opened_ms, message_zh, message_en, evidence, steps) = row  # fmt: skip
        found.append({
            "alert_id": alert_id, "rule": rule, "subject_kind": kind, "enterprise_id": enterprise,
            "district": district, "industry": industry, "severity": severity, "status": status,
            "revision": revision, "opened_at_ms": opened_ms, "message_zh": message_zh,
            "message_en": message_en, "evidence_event_ids": _json(evidence) or [],
            "steps": _json(steps) or [],
        })  # fmt: skip
    return sorted(found, key=lambda a: (SEVERITY_ORDER.get(a["severity"], 9),
                                        -(a["opened_at_ms"] or 0)))  # fmt: skip


def ranking(connection: duckdb.DuckDBPyConnection, filters: Filters,
            limit: int = 50) -> list[dict[str, Any]]:  # fmt: skip
    """Each enterprise's newest risk colour and score, worst first."""
    sql = ("SELECT r.enterprise_id, coalesce(e.name, ''), r.district, r.industry, r.colour, "
           "r.score, r.components FROM hub.hub_risk_change r "
           "LEFT JOIN hub.reference_enterprise e ON e.uscc = r.enterprise_id "
           "WHERE true")  # fmt: skip
    filtered, parameters = filters.sql("r.district", "r.industry")
    sql += filtered
    newest = "ORDER BY r.occurred_at DESC, r.reported_at DESC"
    sql += f" QUALIFY row_number() OVER (PARTITION BY r.enterprise_id {newest}) = 1"
    rows = connection.execute(sql, parameters).fetchall()
    ranked = [
        {"enterprise_id": e, "name": name, "district": d, "industry": i, "colour": colour,
         "score": score, "components": _json(components) or {}}
        for e, name, d, i, colour, score, components in rows
    ]  # fmt: skip
    ranked.sort(key=lambda r: (SEVERITY_ORDER.get(r["colour"], 9), -float(r["score"] or 0)))
    return ranked[:limit]


def heat_map(connection: duckdb.DuckDBPyConnection, filters: Filters,
             codes: CodeLists) -> dict[str, Any]:  # fmt: skip
    """Injuries per 1,000 insured by district and key industry in the period."""
    grouped: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for row in cells(connection, filters.period, filters):
        grouped[(row[0], key_industry_of(codes, row[1]))].append(row)
    districts = sorted({d for d, _ in grouped})
    industries = sorted({i for _, i in grouped})
    values = []
    for (district, industry), members in grouped.items():
        figures = totals(members)
        values.append([industries.index(industry), districts.index(district),
                       round(figures.get(HEAT_FIGURE, 0.0), 3)])  # fmt: skip
    return {"figure": HEAT_FIGURE, "districts": districts, "industries": industries,
            "values": values}  # fmt: skip
