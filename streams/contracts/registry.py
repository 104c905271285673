"""The hub's Avro schemas, read from ``schemas/<owner>/<event>/v<N>.avsc``.

Each file is self-contained (the envelope is inlined), so a department outside the hub can decode
with nothing but that file and the official Avro library. A schema is known by its CRC-64-AVRO
fingerprint, which single-object encoding puts in front of every message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

_VERSION_FILE = re.compile(r"^v(?P<version>\d+)\.avsc$")


class SchemaFileError(ValueError):
    """A schema file is malformed or misplaced; the message names the file."""


@dataclass(frozen=True, eq=False)  # identity: one object per loaded file, hashable for caches
class EventSchema:
    event_type: str  # "<owner>.<event>", e.g. "emergency.accident-report"
    version: int
    path: Path
    definition: dict[str, Any] = field(repr=False)
    parsed: Any = field(repr=False)  # fastavro's parsed schema, parsed once and reused
    fingerprint: bytes = field(repr=False)  # 8 bytes, little-endian, as single-object encoding

    @property
    def owner(self) -> str:
        return self.event_type.split(".", 1)[0]

    @property
    def compatibility(self) -> str:
        return str(self.definition.get("injuryhub.compatibility", "BACKWARD_TRANSITIVE"))

    @property
    def canonical_form(self) -> str:
        return str(to_parsing_canonical_form(self.parsed))


@dataclass(frozen=True)
class SchemaRegistry:
    schemas: tuple[EventSchema, ...]
    _by_fingerprint: dict[bytes, EventSchema] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_fingerprint: dict[bytes, EventSchema] = {}
        for schema in self.schemas:
            clash = by_fingerprint.get(schema.fingerprint)
            if clash is not None:
                raise SchemaFileError(
                    f"{schema.path} and {clash.path} have the same canonical form (they differ "
                    "at most in docs and defaults, so share a fingerprint); a new version must "
                    "change the data, otherwise edit the existing version"
                )
            by_fingerprint[schema.fingerprint] = schema
        object.__setattr__(self, "_by_fingerprint", by_fingerprint)  # frozen: set once, here

    def by_fingerprint(self, fingerprint_bytes: bytes) -> EventSchema | None:
        return self._by_fingerprint.get(fingerprint_bytes)

    def versions(self, event_type: str) -> list[EventSchema]:
        found = sorted((s for s in self.schemas if s.event_type == event_type), key=_version)
        if not found:
            raise KeyError(f"no schema for event type {event_type!r} under schemas/")
        return found

    def latest(self, event_type: str) -> EventSchema:
        return self.versions(event_type)[-1]

    def get(self, event_type: str, version: int) -> EventSchema:
        for schema in self.versions(event_type):
            if schema.version == version:
                return schema
        raise KeyError(f"{event_type} has no schema version {version}")

    @property
    def event_types(self) -> list[str]:
        return sorted({schema.event_type for schema in self.schemas})


def _version(schema: EventSchema) -> int:
    return schema.version


def load_schema_file(path: Path, owner: str, event: str) -> EventSchema:
    match = _VERSION_FILE.match(path.name)
    if match is None:
        raise SchemaFileError(f"{path}: schema files are named v<N>.avsc")
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
        parsed = fastavro.parse_schema(definition)
    except (json.JSONDecodeError, fastavro.schema.SchemaParseException, ValueError) as error:
        raise SchemaFileError(f"{path}: {error}") from error
    version = int(match["version"])
    event_type = f"{owner}.{event}"
    declared = (definition.get("injuryhub.event_type"), definition.get("injuryhub.version"))
    if declared != (event_type, version):
        raise SchemaFileError(
            f"{path} declares {declared[0]} v{declared[1]}, its place says {event_type} v{version}"
        )
    digest = bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))
    return EventSchema(event_type, version, path, definition, parsed, digest)


def load_registry(schemas_dir: Path) -> SchemaRegistry:
    """Every ``<owner>/<event>/v<N>.avsc`` below ``schemas_dir`` (code lists are elsewhere)."""
    files = sorted(schemas_dir.glob("*/*/v*.avsc"))
    if not files:
        raise SchemaFileError(f"no schemas found under {schemas_dir}/<owner>/<event>/v<N>.avsc")
    return SchemaRegistry(
        tuple(load_schema_file(path, path.parent.parent.name, path.parent.name) for path in files)
    )
