"""A department's mapping from its native columns to one canonical event, read from YAML.

Adding a department or a column is a change to ``connectors/mappings/*.yaml``, not to code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors import convert
from connectors.pseudonym import Pseudonymiser
from connectors.sources.base import SourceRecord
from streams.contracts.codes import CodeList, CodeLists
from streams.contracts.registry import EventSchema
from streams.contracts.rules import shown
from streams.topics.catalogue import dept_topic

DEFAULT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
PERSON_FIELDS = ("person_pseudonym", "gender", "age_band")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    column: str | None = None
    type: Literal["text", "int", "float", "bool", "date", "timestamp"] = "text"
    #: native spelling -> canonical value (e.g. 一般事故 -> GENERAL)
    values: dict[str, str] = Field(default_factory=dict)
    #: take the spellings from a code list: its codes and Chinese names both map to the code
    codes: Literal["accident_types", "od_categories", "districts", "risk_levels"] | None = None
    constant: Any = None


class TimeSpec(_Strict):
    column: str
    formats: tuple[str, ...] = DEFAULT_FORMATS


class MappingFile(_Strict):
    department: str
    event_type: str
    source_system: str
    natural_key: str  # the column that identifies a record in its own system
    #: when the source sends a record again after it changed (a table polled by updated-at),
    #: this column tells the versions apart: each version is an event of its own
    version_column: str | None = None
    timezone: str = "Asia/Shanghai"
    occurred_at: TimeSpec
    reported_at: TimeSpec
    person_id_column: str | None = None  # the resident ID column, pseudonymised here
    #: the event topic, when it is not the department topic of ``event_type``
    topic: str | None = None
    #: the payload field used as the Kafka key (per-key order); the event id when it is empty
    key_field: str = "enterprise_id"
    fields: dict[str, FieldSpec]

    @property
    def event_topic(self) -> str:
        owner, event = self.event_type.split(".", 1)
        return self.topic or dept_topic(owner, event)


class MappingError(ValueError):
    """A mapping file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Problem:
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.column}={self.value}: {self.reason}"


@dataclass(frozen=True)
class Mapped:
    payload: dict[str, Any]
    natural_key: str
    occurred_at: datetime
    reported_at: datetime


@dataclass(frozen=True)
class Mapping:
    spec: MappingFile
    path: Path

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.spec.timezone)

    def check_against(self, schema: EventSchema) -> None:
        """Every payload field of the schema is mapped, and nothing else is."""
        payload_fields = [f for f in schema.definition["fields"] if f["name"] != "envelope"]
        names = {f["name"] for f in payload_fields}
        mapped = set(self.spec.fields) | (
            set(PERSON_FIELDS) if self.spec.person_id_column else set()
        )
        required = {f["name"] for f in payload_fields if "default" not in f}
        if missing := sorted(required - mapped):
            raise MappingError(
                f"{self.path}: fields {', '.join(missing)} of {schema.event_type} are not mapped"
            )
        if unknown := sorted(mapped - names):
            raise MappingError(
                f"{self.path}: {schema.event_type} has no fields {', '.join(unknown)}"
            )

    def apply(self, record: SourceRecord, pseudonymiser: Pseudonymiser) -> Mapped | list[Problem]:
        problems: list[Problem] = []
        occurred = self._time(record, self.spec.occurred_at, problems)
        reported = self._time(record, self.spec.reported_at, problems)
        natural_key = self.record_key(record)
        if natural_key is None:
            problems.append(
                Problem(self.spec.natural_key, "empty", "is required: it identifies the record")
            )
        payload: dict[str, Any] = {}
        for name, field in self.spec.fields.items():
            payload[name] = self._value(record, name, field, problems)
        if self.spec.person_id_column is not None:
            self._person(record, occurred, payload, pseudonymiser, problems)
        if problems or occurred is None or reported is None or natural_key is None:
            return problems
        return Mapped(payload, natural_key, occurred, reported)

    def record_key(self, record: SourceRecord) -> str | None:
        """The record's identity in its system (with its version, if the mapping has one)."""
        value = record.fields.get(self.spec.natural_key)
        if value is None:
            return None
        key = convert.to_text(value)
        version = record.fields.get(self.spec.version_column or "")
        return key if version is None else f"{key}@{convert.to_text(version)}"

    def _time(
        self, record: SourceRecord, spec: TimeSpec, problems: list[Problem]
    ) -> datetime | None:
        value = record.fields.get(spec.column)
        if value is None:
            problems.append(Problem(spec.column, "empty", "is required"))
            return None
        try:
            return convert.to_datetime(value, spec.formats, self.zone)
        except convert.ConversionError as error:
            problems.append(Problem(spec.column, shown(value), str(error)))
            return None

    def _value(
        self, record: SourceRecord, name: str, field: FieldSpec, problems: list[Problem]
    ) -> Any:
        if field.column is None:
            return field.constant
        value = record.fields.get(field.column)
        if value is None:
            return None  # the event validation says whether the field may be empty
        try:
            if field.values:
                text = convert.to_text(value)
                if text not in field.values:
                    known = "、".join(field.values)
                    raise convert.ConversionError(f"is not one of {known}")
                return field.values[text]
            return self._typed(value, field)
        except convert.ConversionError as error:
            problems.append(Problem(field.column, shown(value), str(error)))
            return None

    def _typed(self, value: Any, field: FieldSpec) -> Any:
        match field.type:
            case "int":
                return convert.to_int(value)
            case "float":
                return convert.to_float(value)
            case "bool":
                return convert.to_bool(value)
            case "date":
                return convert.to_date(value, DEFAULT_FORMATS, self.zone)
            case "timestamp":
                return convert.to_datetime(value, DEFAULT_FORMATS, self.zone)
        return convert.to_text(value)

    def _person(
        self,
        record: SourceRecord,
        occurred: datetime | None,
        payload: dict[str, Any],
        pseudonymiser: Pseudonymiser,
        problems: list[Problem],
    ) -> None:
        column = self.spec.person_id_column or ""
        value = record.fields.get(column)
        if value is None:
            problems.append(Problem(column, "empty", "is required"))
            return
        if occurred is None:
            return  # the age band needs the event date; its problem is already reported
        on = occurred.astimezone(self.zone).date()
        try:
            person = pseudonymiser.person(convert.to_text(value), on)
        except ValueError as error:
            # Never quote the value: it is (almost) a resident ID.
            problems.append(Problem(column, "[masked]", str(error)))
            return
        payload.update(vars(person))


def load_mapping(path: Path, codes: CodeLists) -> Mapping:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = MappingFile.model_validate(data)
    except FileNotFoundError as error:
        raise MappingError(f"mapping {path} does not exist") from error
    except yaml.YAMLError as error:
        raise MappingError(f"{path} is not valid YAML: {error}") from error
    except ValidationError as error:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise MappingError(f"{path}: {details}") from error
    fields = {name: _with_code_spellings(field, codes) for name, field in spec.fields.items()}
    return Mapping(spec.model_copy(update={"fields": fields}), path)


def _with_code_spellings(field: FieldSpec, codes: CodeLists) -> FieldSpec:
    if field.codes is None:
        return field
    code_list: CodeList = getattr(codes, field.codes)
    spellings = {code: code for code in code_list.codes}
    spellings |= {entry.zh: code for code, entry in code_list.codes.items()}
    return field.model_copy(update={"values": spellings | field.values})
