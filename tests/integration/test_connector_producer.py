"""The connectors' librdkafka producer on a real broker: a key lands on the partition the hub's
other producers give it (the agents keep an enterprise's state on one partition), what a
committed transaction wrote is read, what an aborted one wrote is not, and a producer with the
same transactional id fences the one before it."""

from __future__ import annotations

import asyncio

import kafka.errors
import pytest

from agents.aggregation.agent import partition_of
from connectors.producer import ConnectorProducer, connector_producer_config
from streams.clients import read_to_end
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.support import unique

pytestmark = pytest.mark.kafka
PARTITIONS = 6


def _producer(bootstrap: str, transactional_id: str) -> ConnectorProducer:
    producer = ConnectorProducer(connector_producer_config(bootstrap, "test", transactional_id))
    producer.init_transactions()
    return producer


def test_keys_partition_as_kafka_pythons_and_only_committed_transactions_are_read(
    kafka_bootstrap: str,
) -> None:
    topic = f"hub.{unique('producer')}"
    ensure_topics(kafka_bootstrap, [TopicSpec(topic, "hub", "test", PARTITIONS)], 1)
    producer = _producer(kafka_bootstrap, unique("tx"))
    try:
        producer.begin_transaction()
        for n in range(60):
            producer.send(topic, f"91350100M{n:08d}X".encode(), b"committed %d" % n)
        producer.commit_transaction()
        producer.begin_transaction()
        producer.send(topic, b"91350100M00000000X", b"aborted")
        producer.abort_transaction()
    finally:
        producer.close()
    read = asyncio.run(read_to_end(kafka_bootstrap, topic))
    assert sorted(r.value or b"" for r in read) == sorted(b"committed %d" % n for n in range(60))
    assert len({r.partition for r in read}) > 1
    for record in read:
        assert record.key is not None
        assert record.partition == partition_of(record.key, PARTITIONS), record.key


def test_a_new_producer_with_the_same_id_fences_the_old_one(kafka_bootstrap: str) -> None:
    topic = f"hub.{unique('fenced')}"
    ensure_topics(kafka_bootstrap, [TopicSpec(topic, "hub", "test", 1)], 1)
    transactional_id = unique("tx")
    old = _producer(kafka_bootstrap, transactional_id)
    old.begin_transaction()
    old.send(topic, b"k", b"from the old producer")
    new = _producer(kafka_bootstrap, transactional_id)  # aborts the old one's transaction
    try:
        with pytest.raises(kafka.errors.KafkaError, match="commit failed"):
            old.commit_transaction()
        new.begin_transaction()
        new.send(topic, b"k", b"from the new producer")
        new.commit_transaction()
    finally:
        old.close(timeout=0)
        new.close()
    read = asyncio.run(read_to_end(kafka_bootstrap, topic))
    assert [r.value for r in read] == [b"from the new producer"]
