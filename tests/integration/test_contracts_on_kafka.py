"""Every event type through the real broker: encoded by the hub, read back with aiokafka and
decoded with the position it came from; every schema published to a compacted schemas topic."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from connectors.pseudonym import Pseudonymiser
from streams.clients import latest_per_key, make_producer, read_to_end
from streams.contracts.codes import load_code_lists
from streams.contracts.envelope import build_event
from streams.contracts.publish import publish_schemas
from streams.contracts.registry import load_registry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import DecodeError, Position, decode, encode
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.examples import example_record
from tests.support import unique

pytestmark = pytest.mark.kafka
SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)


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


def test_no_clear_resident_id_reaches_kafka(kafka_bootstrap: str) -> None:
    """A connector's path for a record with a person: pseudonymise, build, validate, encode, send;
    then search every byte on the topic for the clear ID."""
    clear_id = "11010519491231002X"
    schema = REGISTRY.latest("hrss.injury-recognition")
    occurred = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    person = Pseudonymiser(SecretStr("integration-test-key-0123")).person(clear_id, occurred.date())
    payload = example_record(schema) | vars(person)
    del payload["envelope"]
    event = build_event(
        schema.event_type,
        schema.version,
        "hrss",
        "工伤认定系统",
        "recognitions.csv:2",
        "GS-2025-000001",
        occurred,
        occurred + timedelta(days=1),
        "connector:hrss",
        payload,
    )
    codes = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)
    assert EventValidator(codes).validate(schema, event).reasons() == []

    topic = TopicSpec(f"dept.hrss.{unique('privacy')}.v1", "hrss", "privacy", partitions=1)
    ensure_topics(kafka_bootstrap, [topic], default_replication=1)
    with make_producer(kafka_bootstrap, "privacy-test") as producer:
        producer.send(topic.name, key=event["enterprise_id"].encode(), value=encode(schema, event))
        producer.flush()

    (message,) = asyncio.run(read_to_end(kafka_bootstrap, topic.name))
    on_the_wire = (message.key or b"") + (message.value or b"")
    for needle in (clear_id, clear_id[:17], clear_id.lower()):
        assert needle.encode() not in on_the_wire
    _, decoded = decode(REGISTRY, message.value or b"")
    assert decoded["person_pseudonym"] == person.person_pseudonym
