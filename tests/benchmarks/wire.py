"""Encode/decode rate of one typical event (an accident report) with fastavro, one core.

Run: `make bench` (or `.venv/bin/python -m tests.benchmarks.wire`). Prints figures; asserts nothing.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import avro.io
import avro.schema

from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import decode, encode
from streams.settings import HubSettings
from tests.examples import example_record


def _rate(label: str, count: int, action: object) -> None:
    assert callable(action)
    began = time.perf_counter()
    for _ in range(count):
        action()
    seconds = time.perf_counter() - began
    print(f"{label:<40} {count / seconds:>12,.0f} events/s  ({seconds * 1e6 / count:.1f} µs each)")


def main() -> None:
    settings = HubSettings()
    registry = load_registry(settings.schemas_path)
    schema = registry.latest("emergency.accident-report")
    record = example_record(schema)
    data = encode(schema, record)
    print(f"event: {schema.event_type} v{schema.version}, {len(data)} bytes on the wire")
    _rate("fastavro encode (single-object)", 100_000, lambda: encode(schema, record))
    _rate("fastavro decode (single-object)", 100_000, lambda: decode(registry, data))
    official = avro.schema.parse(Path(schema.path).read_text(encoding="utf-8"))
    writer, reader = avro.io.DatumWriter(official), avro.io.DatumReader(official)

    def official_encode() -> None:
        writer.write(record, avro.io.BinaryEncoder(io.BytesIO()))

    def official_decode() -> None:
        reader.read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))

    _rate("official avro encode (body)", 10_000, official_encode)
    _rate("official avro decode (body)", 10_000, official_decode)
    validator = EventValidator(load_code_lists(settings.schemas_path, settings.districts_file))
    _rate("validate (pydantic + rules)", 20_000, lambda: validator.validate(schema, record))


if __name__ == "__main__":
    main()
