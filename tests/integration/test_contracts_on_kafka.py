"""Every event type through the real broker: encoded by the hub, read back with aiokafka and
decoded with the position it came from; every schema published to a compacted schemas topic."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from streams.clients import latest_per_key, make_producer, read_to_end
from streams.contracts.publish import publish_schemas
from streams.contracts.registry import load_registry
from streams.contracts.wire import DecodeError, Position, decode, encode
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.examples import example_record
from tests.support import unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)


def test_every_event_type_round_trips_through_kafka(kafka_bootstrap: str) -> None:
    topic = TopicSpec(f"hub.{unique('contracts')}", "hub", "round trip", partitions=3)
    ensure_topics(kafka_bootstrap, [topic], default_replication=1)
    sent = {}
    with make_producer(kafka_bootstrap, "contracts-test") as producer:
        for schema in REGISTRY.schemas:
            record = example_record(schema)
            record["envelope"]["event_id"] = f"{schema.event_type}/v{schema.version}"
            sent[record["envelope"]["event_id"]] = (schema, record)
            producer.send(topic.name, key=b"91350100M000100Y43", value=encode(schema, record))
        producer.send(topic.name, key=b"91350100M000100Y43", value=b"not avro at all")
        producer.flush()

    records = asyncio.run(read_to_end(kafka_bootstrap, topic.name))
    assert len(records) == len(REGISTRY.schemas) + 1
    received = {}
    failures = []
    for message in records:
        where = Position(message.topic, message.partition, message.offset)
        try:
            writer, record = decode(REGISTRY, message.value or b"", where)
        except DecodeError as error:
            failures.append(str(error))
            continue
        received[record["envelope"]["event_id"]] = (writer, record)
    assert received == sent
    assert len(failures) == 1
    assert re.match(rf"{re.escape(topic.name)}\[[0-2]\]@{len(sent)}: .* C3 01 marker", failures[0])


def test_schemas_are_published_keyed_by_fingerprint(kafka_bootstrap: str) -> None:
    topic = TopicSpec(f"hub.{unique('schemas')}", "hub", "schemas", 1, cleanup_policy="compact")
    ensure_topics(kafka_bootstrap, [topic], default_replication=1)
    with make_producer(kafka_bootstrap, "contracts-test") as producer:
        assert publish_schemas(producer, REGISTRY, topic.name) == len(REGISTRY.schemas)
        publish_schemas(producer, REGISTRY, topic.name)  # again: compaction keeps one per key

    published = latest_per_key(asyncio.run(read_to_end(kafka_bootstrap, topic.name)))
    assert set(published) == {schema.fingerprint.hex().encode() for schema in REGISTRY.schemas}
    for schema in REGISTRY.schemas:
        definition = json.loads(published[schema.fingerprint.hex().encode()] or b"")
        assert definition == schema.definition
