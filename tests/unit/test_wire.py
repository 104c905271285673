"""Single-object encoding with fastavro, read back by fastavro and by the official Apache Avro
library alone (no broker: these are bytes in, bytes out)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import avro.io
import avro.schema
import pytest

from streams.contracts.registry import EventSchema, SchemaRegistry, load_registry
from streams.contracts.wire import MARKER, DecodeError, Position, decode, encode
from streams.settings import HubSettings
from tests.examples import example_record

REGISTRY = load_registry(HubSettings().schemas_path)
ALL = [pytest.param(s, id=f"{s.event_type}.v{s.version}") for s in REGISTRY.schemas]


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return REGISTRY


@pytest.mark.parametrize("schema", ALL)
def test_round_trip_with_fastavro(registry: SchemaRegistry, schema: EventSchema) -> None:
    record = example_record(schema)
    data = encode(schema, record)
    assert data[:2] == MARKER and data[2:10] == schema.fingerprint
    writer, decoded = decode(registry, data)
    assert writer is schema
    assert decoded == record
    assert decoded["envelope"]["occurred_at"].tzinfo is not None  # aware, UTC on the wire


@pytest.mark.parametrize("schema", ALL)
def test_official_avro_library_reads_the_bytes(schema: EventSchema) -> None:
    """What a department outside the hub does: the .avsc file and the official library only."""
    data = encode(schema, example_record(schema))
    official = avro.schema.parse(Path(schema.path).read_text(encoding="utf-8"))
    assert data[:2] == b"\xc3\x01"
    body = io.BytesIO(data[10:])
    decoded = avro.io.DatumReader(official).read(avro.io.BinaryDecoder(body))
    assert isinstance(decoded, dict)
    assert body.tell() == len(data) - 10
    expected = example_record(schema)
    assert decoded["envelope"]["event_id"] == expected["envelope"]["event_id"]
    assert decoded["envelope"]["reported_at"] == expected["envelope"]["reported_at"]
    assert {k: v for k, v in decoded.items() if k != "envelope"} == {
        k: v for k, v in expected.items() if k != "envelope"
    }


def test_official_avro_writes_what_fastavro_writes() -> None:
    schema = REGISTRY.latest("emergency.accident-report")
    record = example_record(schema)
    official = avro.schema.parse(Path(schema.path).read_text(encoding="utf-8"))
    buffer = io.BytesIO()
    avro.io.DatumWriter(official).write(record, avro.io.BinaryEncoder(buffer))
    assert encode(schema, record)[10:] == buffer.getvalue()


def test_v1_and_v2_interoperate(registry: SchemaRegistry) -> None:
    v1 = registry.get("hrss.injury-recognition", 1)
    v2 = registry.get("hrss.injury-recognition", 2)
    old = example_record(v1)
    _, read_by_new = decode(registry, encode(v1, old), reader=v2)
    assert read_by_new["lost_workdays"] is None
    assert read_by_new["application_no"] == old["application_no"]

    new = example_record(v2) | {"lost_workdays": 42}
    writer, read_by_old = decode(registry, encode(v2, new), reader=v1)
    assert writer is v2
    assert "lost_workdays" not in read_by_old
    assert read_by_old["decision"] == new["decision"]


def test_unknown_fingerprint_names_the_position(registry: SchemaRegistry) -> None:
    data = MARKER + bytes(8) + b"\x00"
    where = Position("dept.hrss.injury-recognition.v1", 3, 1234)
    with pytest.raises(
        DecodeError, match=r"\[3\]@1234: unknown schema fingerprint 0000000000000000"
    ):
        decode(registry, data, where)


def test_missing_marker_is_refused(registry: SchemaRegistry) -> None:
    with pytest.raises(DecodeError, match=r"not Avro single-object encoded .* 7b 22"):
        decode(registry, b'{"json": true}', "t[0]@1")


@pytest.mark.parametrize("cut", [1, 20])
def test_truncated_body_is_corrupt(registry: SchemaRegistry, cut: int) -> None:
    schema = registry.latest("emergency.accident-report")
    data = encode(schema, example_record(schema))
    with pytest.raises(DecodeError, match=r"corrupt emergency\.accident-report v1 body"):
        decode(registry, data[:-cut], "t[0]@5")


def test_trailing_garbage_is_corrupt(registry: SchemaRegistry) -> None:
    schema = registry.latest("hrss.insured-headcount")
    data = encode(schema, example_record(schema)) + b"\x00\x01"
    with pytest.raises(DecodeError, match="2 bytes left over"):
        decode(registry, data, "t[0]@6")


def test_timestamps_travel_as_utc_epoch_millis() -> None:
    schema = REGISTRY.latest("hrss.insured-headcount")
    record = example_record(schema)
    shanghai = datetime(2025, 3, 14, 9, 30, tzinfo=UTC).astimezone()
    record["envelope"]["occurred_at"] = shanghai
    _, decoded = decode(REGISTRY, encode(schema, record))
    assert decoded["envelope"]["occurred_at"] == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
