"""Avro single-object encoding: ``C3 01`` + 8-byte CRC-64-AVRO fingerprint (little-endian) +
the Avro binary body. Any Avro library can read it given the writer's ``.avsc``.

Note for readers using the official Python ``avro`` library: its ``Schema.fingerprint()`` keeps
``{"type": "long"}`` for logical types in the canonical form, where the specification (and the Java
library, and fastavro) reduce it to ``"long"``; for schemas with timestamps it therefore computes a
different fingerprint. Look the fingerprint up in ``hub.schemas`` or ``docs/events.md`` instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import fastavro

from streams.contracts.registry import EventSchema, SchemaRegistry

MARKER = b"\xc3\x01"
HEADER_LENGTH = len(MARKER) + 8


class DecodeError(ValueError):
    """A message the hub cannot read; the message says where it is and why."""


@dataclass(frozen=True)
class Position:
    """Where a message sits, for error messages and dead letters."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


def encode(schema: EventSchema, record: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    buffer.write(MARKER)
    buffer.write(schema.fingerprint)
    fastavro.schemaless_writer(buffer, schema.parsed, record)
    return buffer.getvalue()


def decode(
    registry: SchemaRegistry,
    data: bytes,
    where: Position | str = "message",
    reader: EventSchema | None = None,
) -> tuple[EventSchema, dict[str, Any]]:
    """The writer's schema and the record, resolved to ``reader`` if one is given."""
    if len(data) < HEADER_LENGTH or data[:2] != MARKER:
        raise DecodeError(
            f"{where}: not Avro single-object encoded (expected the C3 01 marker, "
            f"got {data[:2].hex(' ') or 'an empty message'})"
        )
    writer = registry.by_fingerprint(data[2:HEADER_LENGTH])
    if writer is None:
        raise DecodeError(
            f"{where}: unknown schema fingerprint {data[2:HEADER_LENGTH].hex()}; the writer used "
            "a schema that is not under schemas/ (or hub.schemas)"
        )
    body = io.BytesIO(data[HEADER_LENGTH:])
    try:
        record = fastavro.schemaless_reader(
            body, writer.parsed, reader.parsed if reader is not None else None
        )
    except (EOFError, ValueError, IndexError, UnicodeDecodeError, TypeError) as error:
        raise DecodeError(
            f"{where}: corrupt {writer.event_type} v{writer.version} body: "
            f"{type(error).__name__}: {error}"
        ) from error
    if body.tell() != len(data) - HEADER_LENGTH:
        raise DecodeError(
            f"{where}: {len(data) - HEADER_LENGTH - body.tell()} bytes left over after a "
            f"{writer.event_type} v{writer.version} record; the body is corrupt"
        )
    if not isinstance(record, dict):
        raise DecodeError(f"{where}: body is not a record")
    return writer, record
