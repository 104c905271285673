"""The thematic database (专题库): five sections for analysts and the dashboard, plus the hub's
own derived data, each table laid out after its Avro schema.

A department event is one row keyed by its event id (a duplicate replaces itself: counted once).
Topics that hold a *state* per key — the enterprise registry, aggregate cells, alerts (newest
revision), bulletins (newest per period) — are one row per Kafka key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: section (a DuckDB schema) -> (title, event types)
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "insurance": ("保险与认定 insurance & recognition", (
        "hrss.injury-recognition", "hrss.disability-appraisal", "hrss.benefit-payment",
        "hrss.insured-headcount", "health.injury-treatment")),
    "accidents": ("事故与隐患 accidents & hazards", (
        "emergency.accident-report", "housing.construction-accident", "transport.accident",
        "emergency.hazard-inspection", "housing.site-inspection", "transport.inspection",
        "emergency.enforcement", "union.worker-report")),
    "occupational": ("职业病与监测 occupational disease & monitoring", (
        "health.od-diagnosis", "health.hazard-measurement", "health.health-examination")),
    "training": ("培训与宣传 training & publicity", (
        "hrss.training-completion", "union.training-participation",
        "union.model-unit-nomination")),
    "funds": ("资金与政策 funds & policy", (
        "finance.fund-allocation", "finance.fund-disbursement", "hrss.prevention-project")),
    "hub": ("枢纽派生数据 the hub's derived data", (
        "reference.enterprise", "hub.aggregate", "hub.alert", "hub.alert-action",
        "hub.risk-change", "hub.bulletin", "hub.dead-letter")),
}  # fmt: skip
#: event types kept one row per Kafka key (the newest), not one per event
KEYED_BY_KAFKA_KEY = frozenset({"reference.enterprise", "hub.aggregate", "hub.alert",
                                "hub.bulletin"})  # fmt: skip
ENVELOPE_COLUMNS = (
    ("event_id", "VARCHAR"), ("event_type", "VARCHAR"), ("department", "VARCHAR"),
    ("source_system", "VARCHAR"), ("source_position", "VARCHAR"),
    ("occurred_at", "TIMESTAMPTZ"), ("reported_at", "TIMESTAMPTZ"), ("producer", "VARCHAR"),
)  # fmt: skip
_PRIMITIVE = {"string": "VARCHAR", "int": "INTEGER", "long": "BIGINT", "double": "DOUBLE",
              "float": "DOUBLE", "boolean": "BOOLEAN", "bytes": "BLOB"}  # fmt: skip
_LOGICAL = {"timestamp-millis": "TIMESTAMPTZ", "timestamp-micros": "TIMESTAMPTZ",
            "date": "DATE"}  # fmt: skip


def section_of(event_type: str) -> str:
    return next(name for name, (_, types) in SECTIONS.items() if event_type in types)


def table_name(event_type: str) -> str:
    """``accidents.emergency_accident_report``."""
    return f"{section_of(event_type)}.{event_type.replace('.', '_').replace('-', '_')}"


def column_type(avro_type: Any) -> tuple[str, bool]:
    """The DuckDB type of an Avro field type, and whether a value must be JSON-encoded."""
    if isinstance(avro_type, list):
        (branch,) = [b for b in avro_type if b != "null"] or ["string"]
        return column_type(branch)
    if isinstance(avro_type, dict):
        if avro_type.get("logicalType") in _LOGICAL:
            return _LOGICAL[avro_type["logicalType"]], False
        if avro_type["type"] == "enum":
            return "VARCHAR", False
        if avro_type["type"] in ("array", "map", "record"):
            return "JSON", True
        return column_type(avro_type["type"])
    if avro_type in _PRIMITIVE:
        return _PRIMITIVE[avro_type], False
    return "VARCHAR", False  # a named type defined elsewhere in the schema: an enum


@dataclass(frozen=True)
class TableLayout:
    event_type: str
    table: str
    columns: tuple[tuple[str, str], ...]  # name, DuckDB type; envelope first
    as_json: frozenset[str]  # payload columns stored as JSON text
    keyed_by_kafka_key: bool

    def create_sql(self) -> str:
        key = "kafka_key VARCHAR PRIMARY KEY, " if self.keyed_by_kafka_key else ""
        columns = ", ".join(
            f'"{name}" {kind}' + (" PRIMARY KEY" if name == "event_id" and not key else "")
            for name, kind in self.columns
        )
        return f"CREATE TABLE IF NOT EXISTS {self.table} ({key}{columns})"

    def row(self, record: dict[str, Any], kafka_key: str) -> tuple[Any, ...]:
        """The row's values, its primary key (the Kafka key or the event id) first."""
        envelope = record["envelope"]
        values: list[Any] = [kafka_key] if self.keyed_by_kafka_key else []
        values += [envelope["event_id"], envelope["event_type"], envelope["department"],
                   envelope["source_system"], envelope["source_position"],
                   envelope["occurred_at"], envelope["reported_at"],
                   envelope["provenance"]["producer"]]  # fmt: skip
        for name, _ in self.columns[len(ENVELOPE_COLUMNS) :]:
            value = record.get(name)
            if name in self.as_json:
                value = json.dumps(value, default=str, ensure_ascii=False)
            values.append(value)
        return tuple(values)


def layout_of(event_type: str, fields: list[dict[str, Any]]) -> TableLayout:
    """``fields``: the newest Avro schema's fields (the envelope first)."""
    columns = list(ENVELOPE_COLUMNS)
    as_json = set()
    for field in fields:
        if field["name"] == "envelope":
            continue
        kind, encoded = column_type(field["type"])
        columns.append((field["name"], kind))
        if encoded:
            as_json.add(field["name"])
    return TableLayout(event_type, table_name(event_type), tuple(columns), frozenset(as_json),
                       event_type in KEYED_BY_KAFKA_KEY)  # fmt: skip
