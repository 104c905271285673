"""A valid example record for any hub schema, built by walking the schema, so that every event
type gets round-trip tests without a hand-written sample each."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from streams.contracts.registry import EventSchema

OCCURRED = datetime(2025, 3, 14, 1, 30, tzinfo=UTC)
REPORTED = datetime(2025, 3, 14, 6, 0, tzinfo=UTC)
DECIDED = datetime(2025, 4, 30, 2, 0, tzinfo=UTC)

_BY_RULE: dict[str, Any] = {
    "uscc": "91350100M000100Y43",
    "district": "370211",
    "industry": "C3311",
    "accident_type": "09",
    "od_category": "01",
    "hazard_factor": "DUST-SILICA-TOTAL",
    "limit_kind": "PC-TWA",
    "limit_unit": "mg/m3",
    "legal_basis": "art14.1",
    "pseudonym": hashlib.sha256(b"example person").hexdigest(),
    "sha256": hashlib.sha256(b"example payload").hexdigest(),
    "after_reported": DECIDED,
    "after_occurred": DECIDED,
}
_BY_NAME: dict[str, Any] = {
    "occurred_at": OCCURRED,
    "reported_at": REPORTED,
    "decision": "RECOGNISED",  # with legal basis art14.1 and a decision time, as decided cases are
}


def example_record(schema: EventSchema) -> dict[str, Any]:
    record = _value(schema.definition, {})
    envelope = record["envelope"]
    envelope["event_type"] = schema.event_type
    envelope["schema_version"] = schema.version
    envelope["department"] = schema.owner if schema.owner != "reference" else "hub"
    return dict(record)


def _value(avro_type: Any, field: dict[str, Any]) -> Any:
    rule = field.get("injuryhub.rule")
    if rule in _BY_RULE:
        return _BY_RULE[rule]
    if field.get("name") in _BY_NAME:
        return _BY_NAME[field["name"]]
    if isinstance(avro_type, list):  # a union: the first branch that is not null
        return _value(next(t for t in avro_type if t != "null"), field)
    if isinstance(avro_type, dict):
        kind = avro_type["type"]
        if kind == "record":
            return {f["name"]: _value(f["type"], f) for f in avro_type["fields"]}
        if kind == "enum":
            return avro_type["symbols"][0]
        if kind == "array":
            return [_value(avro_type["items"], {})]
        if kind == "map":
            return {"accidents": _value(avro_type["values"], {})}
        if avro_type.get("logicalType") == "timestamp-millis":
            return OCCURRED
        if avro_type.get("logicalType") == "date":
            return date(2025, 3, 1)
        return _value(kind, field)
    low = field.get("injuryhub.range", [1])[0]
    if avro_type in ("int", "long"):
        return int(low)
    if avro_type in ("double", "float"):
        return float(low)
    if avro_type == "boolean":
        return True
    if avro_type == "string":
        return "示例 example"
    raise NotImplementedError(f"no example for Avro type {avro_type!r}")
