"""The direct reader the guarded agents use for offsets Faust's consumer passed over, on a topic
written in transactions, where every commit leaves a marker at an offset of its own."""

from __future__ import annotations

import asyncio

import pytest

from streams.clients import PartitionReader, TopicTail, make_producer
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.support import unique

pytestmark = pytest.mark.kafka


def _two_transactions(bootstrap: str, topic: str) -> None:
    """Records at offsets 0-2, a marker at 3, records at 4-5, a marker at 6 (the log's end)."""
    with make_producer(bootstrap, "reader-test", transactional_id=unique("reader")) as producer:
        producer.init_transactions()
        for batch in ([b"a", b"b", b"c"], [b"d", b"e"]):
            producer.begin_transaction()
            for value in batch:
                producer.send(topic, value=value, partition=0)
            producer.commit_transaction()


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
