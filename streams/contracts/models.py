"""Pydantic models derived from the ``.avsc`` files, so the schemas stay the one source of truth.

Types are strict (a department sending "3" for a count gets told, not silently coerced); ranges
come from each field's ``injuryhub.range``; timestamps must be timezone-aware.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from streams.contracts.registry import EventSchema

_PRIMITIVES: dict[str, type] = {
    "string": str,
    "int": int,
    "long": int,
    "double": float,
    "float": float,
    "boolean": bool,
}


class EventModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


@cache
def model_for(schema: EventSchema) -> type[EventModel]:
    return _record_model(schema.definition)


def _record_model(record: dict[str, Any]) -> type[EventModel]:
    fields: dict[str, Any] = {}
    for field in record["fields"]:
        annotation = _annotation(field["type"], field)
        default = field.get("default", ...)
        fields[field["name"]] = (annotation, default)
    name = re.sub(r"\W", "_", record["name"])
    model: type[EventModel] = create_model(name, __base__=EventModel, **fields)
    return model


def _annotation(avro_type: Any, field: dict[str, Any]) -> Any:
    if isinstance(avro_type, list):
        branches = [_annotation(branch, field) for branch in avro_type if branch != "null"]
        if len(branches) != 1:
            raise NotImplementedError(f"union {avro_type} of field {field['name']}")
        return branches[0] | None if "null" in avro_type else branches[0]
    if isinstance(avro_type, dict):
        kind = avro_type["type"]
        logical = avro_type.get("logicalType")
        if logical == "timestamp-millis":
            return AwareDatetime
        if logical == "date":
            return date
        if kind == "record":
            return _record_model(avro_type)
        if kind == "enum":
            return Literal[tuple(avro_type["symbols"])]
        if kind == "map":
            values = _annotation(avro_type["values"], {"name": field.get("name", "value")})
            return dict[str, values]  # type: ignore[valid-type]
        if kind == "array":
            return list[_annotation(avro_type["items"], {"name": field.get("name", "item")})]  # type: ignore[misc]
        return _annotation(kind, field)
    python_type = _PRIMITIVES[avro_type]
    bounds = field.get("injuryhub.range")
    if bounds is None:
        return python_type
    low, high = bounds
    if python_type is str:
        return Annotated[str, Field(min_length=low, max_length=high)]
    return Annotated[python_type, Field(ge=low, le=high)]
