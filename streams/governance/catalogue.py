"""The data catalogue (政务数据共享目录): every topic with its owner, sharing class, the fields its
events hold (personal ones marked), its retention, and who may read it now.

It is generated, never kept by hand: the topic catalogue (streams/topics/catalogue.py) gives the
topics, owners, classes and the joint meeting's standing shares; the Avro contracts give the
fields; the grants of approved access requests give the rest of who reads what.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from streams.contracts.registry import SchemaRegistry
from streams.topics.catalogue import FOREVER, SharingClass, TopicSpec

CLASS_LABELS: dict[SharingClass, str] = {
    "unconditional": "无条件共享 unconditional",
    "conditional": "有条件共享 conditional",
    "not_shared": "不予共享 not shared",
}
#: fields about a person beyond the pseudonym rule: both come from the resident ID number, and
#: with an enterprise and a date they can point to one worker
QUASI_IDENTIFIERS = frozenset({"gender", "age_band"})


@dataclass(frozen=True)
class FieldEntry:
    name: str
    type: str
    doc: str
    personal: bool


@dataclass(frozen=True)
class Access:
    """A department that may read a topic, and on what basis."""

    department: str
    basis: str  # "owner", "standing" (the joint meeting's shares) or "grant <request id>"
    until: datetime | None = None  # a grant's end (aware); None: no end


@dataclass(frozen=True)
class TopicAccess:
    """An access someone holds on a topic beyond the catalogue's (a grant, for the catalogue)."""

    topic: str
    access: Access


@dataclass(frozen=True)
class CatalogueEntry:
    topic: str
    event_type: str | None
    owner: str
    sharing: SharingClass
    doc: str
    retention: str
    fields: tuple[FieldEntry, ...]
    access: tuple[Access, ...]

    @property
    def personal_fields(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields if field.personal)


def _type_name(avro_type: Any) -> str:
    """An Avro field type in a word or two: ``string``, ``long (timestamp-millis)``, ``enum``,
    ``null | string`` for an optional one."""
    if isinstance(avro_type, list):
        return " | ".join(_type_name(one) for one in avro_type)
    if isinstance(avro_type, dict):
        logical = avro_type.get("logicalType")
        kind = str(avro_type.get("type"))
        return f"{kind} ({logical})" if logical else kind
    return str(avro_type)


def schema_fields(definition: dict[str, Any]) -> tuple[FieldEntry, ...]:
    """The payload fields of an event schema (the envelope every event carries left out)."""
    return tuple(
        FieldEntry(
            field["name"],
            _type_name(field["type"]),
            field.get("doc", ""),
            field.get("injuryhub.rule") == "pseudonym" or field["name"] in QUASI_IDENTIFIERS,
        )
        for field in definition["fields"]
        if field["name"] != "envelope"
    )


def retention(spec: TopicSpec) -> str:
    if spec.cleanup_policy == "compact":
        return "latest per key, kept"
    if spec.retention_ms == FOREVER:
        return "kept"
    return f"{spec.retention_ms / 86_400_000:g} days"


def build_catalogue(
    specs: Iterable[TopicSpec],
    registry: SchemaRegistry,
    granted: Iterable[TopicAccess] = (),
) -> tuple[CatalogueEntry, ...]:
    """The catalogue of ``specs``; ``granted``: accesses beyond the standing shares (topics as
    the catalogue names them)."""
    extra: dict[str, list[Access]] = {}
    for one in granted:
        extra.setdefault(one.topic, []).append(one.access)
    entries = []
    for spec in specs:
        fields = schema_fields(registry.latest(spec.event_type).definition) \
            if spec.event_type else ()  # fmt: skip
        owner = () if spec.owner == "hub" else (Access(spec.owner, "owner"),)
        standing = tuple(Access(dept, "standing") for dept in spec.shared_with
                         if dept != spec.owner)  # fmt: skip
        access = owner + standing + tuple(extra.get(spec.name, ()))
        entries.append(CatalogueEntry(spec.name, spec.event_type, spec.owner, spec.sharing,
                                      spec.doc, retention(spec), fields, access))  # fmt: skip
    return tuple(entries)


def to_json(entries: Iterable[CatalogueEntry]) -> list[dict[str, Any]]:
    """The catalogue for other systems: plain JSON, times as ISO 8601 with their offset."""

    def access(one: Access) -> dict[str, Any]:
        return {**asdict(one), "until": one.until.isoformat() if one.until else None}

    return [
        {
            "topic": entry.topic,
            "event_type": entry.event_type,
            "owner": entry.owner,
            "sharing": entry.sharing,
            "sharing_label": CLASS_LABELS[entry.sharing],
            "doc": entry.doc,
            "retention": entry.retention,
            "fields": [asdict(field) for field in entry.fields],
            "personal_fields": list(entry.personal_fields),
            "access": [access(one) for one in entry.access],
        }
        for entry in entries
    ]


CSV_COLUMNS = ("topic", "event_type", "owner", "sharing", "retention", "fields",
               "personal_fields", "readers", "doc")  # fmt: skip


def to_csv(entries: Iterable[CatalogueEntry]) -> str:
    """One row per topic; fields and readers joined with ``;``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        readers = ";".join(f"{a.department} ({a.basis})" for a in entry.access)
        writer.writerow((entry.topic, entry.event_type or "", entry.owner, entry.sharing,
                         entry.retention, ";".join(f.name for f in entry.fields),
                         ";".join(entry.personal_fields), readers, entry.doc))  # fmt: skip
    return out.getvalue()
