"""The thematic database sink on the real broker: each event once (a duplicate replaces itself),
an undecodable message kept with its position and reason, and every later sync — in the same
process or after the database is reopened — writing only what is new."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.thematic.sink import ThematicDatabase, sink_topics, sync
from streams.clients import make_producer
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue
from tests.examples import example_record
from tests.support import unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
EVENT_TYPE = "health.od-diagnosis"
TABLE = "occupational.health_od_diagnosis"


def _send(bootstrap: str, topic: str, event_ids: list[str], corrupt: bool = False) -> None:
    schema = REGISTRY.latest(EVENT_TYPE)
    with make_producer(bootstrap, "thematic-test") as producer:
        for event_id in event_ids:
            record = example_record(schema)
            record["envelope"]["event_id"] = event_id
            producer.send(topic, key=event_id.encode(), value=encode(schema, record))
        if corrupt:
            producer.send(topic, key=b"broken", value=b"not avro at all")
        producer.flush()


def _rows(database: ThematicDatabase) -> list[str]:
    found = database.connection.execute(f"SELECT event_id FROM {TABLE} ORDER BY 1").fetchall()
    return [event_id for (event_id,) in found]


def test_sink_writes_each_event_once_keeps_rejects_and_resumes(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = unique("thematic") + "."
    topics = sink_topics(prefix)
    (spec,) = [s for s in catalogue() if s.event_type == EVENT_TYPE]
    ensure_topics(kafka_bootstrap, [spec], default_replication=1, prefix=prefix)
    topic = prefix + spec.name
    assert topics[topic] == EVENT_TYPE
    _send(kafka_bootstrap, topic, ["od-1", "od-2", "od-3", "od-2"], corrupt=True)

    database = ThematicDatabase(tmp_path / "thematic.duckdb", REGISTRY)
    first = sync(database, kafka_bootstrap, topics)
    assert (first.rows, first.rejected) == ({TABLE: 4}, 1)
    assert _rows(database) == ["od-1", "od-2", "od-3"]  # the duplicate replaced itself
    ((where, reason, kept),) = database.connection.execute(
        "SELECT topic, reason, message FROM hub_meta.rejected"
    ).fetchall()
    assert where == topic and "C3 01 marker" in reason and kept == b"not avro at all"
    assert sync(database, kafka_bootstrap, topics).total == 0
    database.close()

    _send(kafka_bootstrap, topic, ["od-4", "od-5"])
    reopened = ThematicDatabase(tmp_path / "thematic.duckdb", REGISTRY)
    again = sync(reopened, kafka_bootstrap, topics)
    assert (again.rows, again.rejected) == ({TABLE: 2}, 0)
    assert _rows(reopened) == ["od-1", "od-2", "od-3", "od-4", "od-5"]
    assert reopened.rejected_count() == 1
    reopened.close()
