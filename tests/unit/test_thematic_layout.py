"""The thematic database's tables, laid out after the Avro schemas (no broker: DuckDB in a temp
folder)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from agents.thematic.layout import SECTIONS, column_type, layout_of, table_name
from agents.thematic.sink import ThematicDatabase, sink_topics
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings
from tests.examples import example_record

REGISTRY = load_registry(HubSettings().schemas_path)


def test_every_catalogue_event_type_but_the_hub_internals_has_a_section() -> None:
    sectioned = {t for _, types in SECTIONS.values() for t in types}
    department_types = {t for t in REGISTRY.event_types if not t.startswith("hub.schema")}
    # The audit trail stays out of the thematic database: it is about people, not injuries.
    # the governance log is read from its topic (streams/governance), not a thematic section
    internals = {"hub.intake-count", "hub.audit-entry", "hub.governance-event"}
    assert department_types - sectioned <= internals, department_types - sectioned
    assert set(sink_topics().values()) == sectioned


def test_avro_types_map_to_duckdb_types() -> None:
    assert column_type(["null", "string"]) == ("VARCHAR", False)
    assert column_type({"type": "long", "logicalType": "timestamp-millis"}) == (
        "TIMESTAMPTZ",
        False,
    )
    assert column_type({"type": "int", "logicalType": "date"}) == ("DATE", False)
    assert column_type({"type": "map", "values": "double"}) == ("JSON", True)
    assert column_type({"type": "enum", "name": "Grade", "symbols": ["A"]}) == ("VARCHAR", False)
    assert column_type("Grade") == ("VARCHAR", False)  # a named type defined earlier


def test_table_names_are_section_and_event_type() -> None:
    assert table_name("health.od-diagnosis") == "occupational.health_od_diagnosis"
    assert table_name("hub.aggregate") == "hub.hub_aggregate"


def test_every_event_type_round_trips_into_its_table(tmp_path: Path) -> None:
    database = ThematicDatabase(tmp_path / "t.duckdb", REGISTRY)
    try:
        for event_type, layout in database.layouts.items():
            record = example_record(REGISTRY.latest(event_type))
            row = layout.row(record, "the-key")
            marks = ", ".join("?" for _ in row)
            database.connection.execute(f"INSERT INTO {layout.table} VALUES ({marks})", row)
            (event_id,) = database.connection.execute(
                f"SELECT event_id FROM {layout.table}"
            ).fetchone() or ("",)
            assert event_id == record["envelope"]["event_id"]
        metrics = database.connection.execute("SELECT metrics FROM hub.hub_aggregate").fetchone()
        assert metrics is not None and isinstance(json.loads(metrics[0]), dict)
    finally:
        database.close()
    reopened = duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)
    assert reopened.execute("SELECT count(*) FROM hub_meta.sections").fetchone() == (len(SECTIONS),)
    reopened.close()


def test_layout_keeps_the_newest_state_per_kafka_key_for_state_topics() -> None:
    fields = REGISTRY.latest("hub.alert").parsed["fields"]
    assert layout_of("hub.alert", fields).keyed_by_kafka_key
    od_fields = REGISTRY.latest("health.od-diagnosis").parsed["fields"]
    assert not layout_of("health.od-diagnosis", od_fields).keyed_by_kafka_key


@dataclass
class _Message:
    """What a consumer hands the sink: a position and the bytes."""

    offset: int
    key: bytes
    value: bytes


def test_a_key_twice_in_one_batch_keeps_the_newest_and_the_next_offset(tmp_path: Path) -> None:
    schema = REGISTRY.latest("hub.alert")
    first = example_record(schema)
    second = copy.deepcopy(first)
    second["revision"] = first["revision"] + 1
    batch = [_Message(7, b"alert-1", encode(schema, first)),
             _Message(8, b"alert-1", encode(schema, second)),
             _Message(9, b"alert-1", b"\xc3\x01 truncated")]  # fmt: skip
    database = ThematicDatabase(tmp_path / "t.duckdb", REGISTRY)
    try:
        assert database.write("hub.alerts", 0, "hub.alert", batch) == (2, 1)
        stored = database.connection.execute("SELECT kafka_key, revision FROM hub.hub_alert")
        assert stored.fetchall() == [("alert-1", second["revision"])]
        assert database.next_offsets("hub.alerts") == {0: 10}
        assert database.rejected_count() == 1
    finally:
        database.close()
