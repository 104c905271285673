"""The connectors' checkpoints reader: one consumer kept open, reading what was committed since
its last call, as a connector that writes its checkpoint in each transaction needs."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from connectors.checkpoints import (
    Checkpoint,
    KafkaCheckpoints,
    checkpoint_key,
    encode_checkpoint,
    shared_checkpoints,
)
from streams.clients import make_producer
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.support import unique

pytestmark = pytest.mark.kafka


def _commit(bootstrap: str, topic: str, source: str, checkpoint: Checkpoint) -> None:
    with make_producer(bootstrap, "checkpoints-test", transactional_id=unique("ck")) as producer:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, key=checkpoint_key("accidents", source),
                      value=encode_checkpoint(checkpoint))  # fmt: skip
        producer.commit_transaction()


def _eventually(found: Callable[[], object], expected: object, within_s: float = 10) -> object:
    """What ``found`` returns once it equals ``expected`` (or at the deadline): a commit's
    markers reach the partition just after ``commit_transaction`` returns, and only then do
    read_committed readers see the transaction."""
    deadline = time.monotonic() + within_s
    while (value := found()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_each_load_sees_what_was_committed_since_the_last(kafka_bootstrap: str) -> None:
    topic = f"hub.{unique('checkpoints')}"
    ensure_topics(kafka_bootstrap, [TopicSpec(topic, "hub", "checkpoints", partitions=3)], 1)
    checkpoints = KafkaCheckpoints(kafka_bootstrap, topic)
    try:
        assert checkpoints.load("accidents", "a.csv") == Checkpoint()
        _commit(kafka_bootstrap, topic, "a.csv", Checkpoint(500, 500, 498, 2))
        first = Checkpoint(500, 500, 498, 2)
        assert _eventually(lambda: checkpoints.load("accidents", "a.csv"), first) == first
        _commit(kafka_bootstrap, topic, "a.csv", Checkpoint(700, 700, 697, 3))
        _commit(kafka_bootstrap, topic, "b.csv", Checkpoint(("2025-01-02", 9), 9, 9, 0))
        both = {
            ("accidents", "a.csv"): Checkpoint(700, 700, 697, 3),
            ("accidents", "b.csv"): Checkpoint(("2025-01-02", 9), 9, 9, 0),
        }
        assert _eventually(checkpoints.all, both) == both
        # a reader started now reads the same from the beginning
        assert KafkaCheckpoints(kafka_bootstrap, topic).all() == checkpoints.all()
    finally:
        checkpoints.close()


def test_a_missing_topic_is_named(kafka_bootstrap: str) -> None:
    topic = f"hub.{unique('no-checkpoints')}"
    with pytest.raises(LookupError, match=f"topic '{topic}' does not exist"):
        KafkaCheckpoints(kafka_bootstrap, topic).all()


def test_connectors_of_one_process_share_a_reader(kafka_bootstrap: str) -> None:
    topic = f"hub.{unique('shared')}"
    assert shared_checkpoints(kafka_bootstrap, topic) is shared_checkpoints(kafka_bootstrap, topic)
    assert shared_checkpoints(kafka_bootstrap, topic) is not shared_checkpoints(
        kafka_bootstrap, topic + "-other"
    )
