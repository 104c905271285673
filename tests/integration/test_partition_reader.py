"""The direct reader the guarded agents use for offsets Faust's consumer passed over, on a topic
written in transactions, where every commit leaves a marker at an offset of its own."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.clients import PartitionReader, TopicTail, make_producer
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.support import unique

pytestmark = pytest.mark.kafka


#: how long a committed transaction's markers may take to reach its partitions
MARKERS_WAIT_S = 10.0


async def _markers_written(bootstrap: str, topic: str, partitions: int) -> None:
    """Until no transaction is open on ``topic`` (its last stable offsets are its ends):
    ``commit_transaction`` returns once the coordinator has logged the commit, and the markers
    reach the partitions just after, so a read at once can stop short of what it committed."""
    parts = [TopicPartition(topic, partition) for partition in range(partitions)]
    stable = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    written = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await stable.start()
    await written.start()
    try:
        deadline = time.monotonic() + MARKERS_WAIT_S
        while await stable.end_offsets(parts) != await written.end_offsets(parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: a transaction still open after {MARKERS_WAIT_S} s")
            await asyncio.sleep(0.05)
    finally:
        await stable.stop()
        await written.stop()


def _two_transactions(bootstrap: str, topic: str) -> None:
    """Records at offsets 0-2, a marker at 3, records at 4-5, a marker at 6 (the log's end)."""
    with make_producer(bootstrap, "reader-test", transactional_id=unique("reader")) as producer:
        producer.init_transactions()
        for batch in ([b"a", b"b", b"c"], [b"d", b"e"]):
            producer.begin_transaction()
            for value in batch:
                producer.send(topic, value=value, partition=0)
            producer.commit_transaction()
    asyncio.run(_markers_written(bootstrap, topic, 1))


def test_ranges_across_transaction_markers_hold_only_the_records(kafka_bootstrap: str) -> None:
    topic = f"hub.{unique('reader')}"
    ensure_topics(kafka_bootstrap, [TopicSpec(topic, "hub", "reader", partitions=1)], 1)
    _two_transactions(kafka_bootstrap, topic)

    async def read_ranges() -> list[list[tuple[int, bytes | None]]]:
        reader = PartitionReader(kafka_bootstrap, timeout_s=10)
        try:
            ranges = [(0, 7, None), (3, 4, None), (3, 5, None), (6, 7, None), (5, 7, None),
                      (0, 7, 2)]  # fmt: skip
            found = [[(r.offset, r.value) for r in await reader.read(topic, 0, *one)]
                     for one in ranges]  # fmt: skip
            await reader.stop()
            # a range found empty is answered again without reading (no consumer started)
            assert await reader.read(topic, 0, 3, 4) == []
            assert reader._consumer is None
            return found
        finally:
            await reader.stop()

    whole, marker, marker_then_record, last_marker, ending_in_marker, first_two = asyncio.run(
        read_ranges()
    )
    assert whole == [(0, b"a"), (1, b"b"), (2, b"c"), (4, b"d"), (5, b"e")]
    assert marker == []
    assert marker_then_record == [(4, b"d")]
    assert last_marker == []  # the marker is the log's last offset: nothing after it to fetch
    assert ending_in_marker == [(5, b"e")]
    assert first_two == [(0, b"a"), (1, b"b")]


def test_a_tail_returns_only_what_was_committed_since_its_last_call(kafka_bootstrap: str) -> None:
    topic = f"hub.{unique('tail')}"
    ensure_topics(kafka_bootstrap, [TopicSpec(topic, "hub", "tail", partitions=2)], 1)
    _two_transactions(kafka_bootstrap, topic)

    async def read_in_turns() -> list[list[bytes]]:
        tail = TopicTail(kafka_bootstrap, topic, timeout_s=10)
        try:
            turns = [[r.value or b"" for r in await tail.new()]]
            with make_producer(kafka_bootstrap, "tail-test",
                               transactional_id=unique("tail")) as producer:  # fmt: skip
                producer.init_transactions()
                producer.begin_transaction()
                producer.send(topic, value=b"aborted", partition=1)
                producer.abort_transaction()
                producer.begin_transaction()
                producer.send(topic, value=b"f", partition=1)
                producer.send(topic, value=b"g", partition=0)
                producer.commit_transaction()
            await _markers_written(kafka_bootstrap, topic, 2)
            turns.append(sorted(r.value or b"" for r in await tail.new()))
            turns.append([r.value or b"" for r in await tail.new()])
            return turns
        finally:
            await tail.stop()

    first, second, third = asyncio.run(read_in_turns())
    assert first == [b"a", b"b", b"c", b"d", b"e"]
    assert second == [b"f", b"g"]  # not the aborted one, nor the first five again
    assert third == []


def test_a_tail_of_a_missing_topic_says_so(kafka_bootstrap: str) -> None:
    async def read_missing() -> None:
        tail = TopicTail(kafka_bootstrap, f"hub.{unique('missing')}", timeout_s=10)
        try:
            await tail.new()
        finally:
            await tail.stop()

    with pytest.raises(LookupError, match="does not exist"):
        asyncio.run(read_missing())
