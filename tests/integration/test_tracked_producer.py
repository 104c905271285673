"""The workers' producer keeps sending to a topic it learned from a full metadata refresh after
it has started sending to a topic created later (streams/tracked_producer.py). A plain aiokafka
producer, in the same steps, leaves the first topic's message waiting without a leader."""

from __future__ import annotations

import asyncio

import pytest

from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from streams.tracked_producer import TopicTrackingProducer
from tests.support import unique

pytestmark = pytest.mark.kafka

#: long enough that the first topic's message still waits in the accumulator when the
#: refresh the later topic asks for comes back
LINGER_MS = 2_000


def _topic(bootstrap: str, name: str, partitions: int) -> str:
    topic = f"hub.{unique(name)}"
    ensure_topics(bootstrap, [TopicSpec(topic, "hub", name, partitions=partitions)], 1)
    return topic


async def _send_around_a_later_topic(bootstrap: str) -> tuple[bool, bool]:
    """Whether the earlier topic's partitions are still known after the producer started
    sending to the later one, and whether its message lingering meanwhile got through."""
    earlier = _topic(bootstrap, "earlier", 2)
    producer = TopicTrackingProducer(bootstrap_servers=bootstrap, linger_ms=LINGER_MS)
    await producer.start()
    try:
        await producer.client.force_metadata_update()  # full: as Faust's after each declare
        await (await producer.send(earlier, b"first"))
        later = _topic(bootstrap, "later", 1)
        lingering = await producer.send(earlier, b"second")
        await (await producer.send(later, b"later"))
        await producer.client.force_metadata_update()
        still_known = producer.client.cluster.partitions_for_topic(earlier) is not None
        try:
            await asyncio.wait_for(asyncio.shield(lingering), timeout=LINGER_MS / 1000 + 15)
        except TimeoutError:
            return still_known, False
        return still_known, True
    finally:
        await producer.stop()


def test_a_topic_known_from_a_full_refresh_stays_known_after_a_later_one(
    kafka_bootstrap: str,
) -> None:
    still_known, delivered = asyncio.run(_send_around_a_later_topic(kafka_bootstrap))

    assert still_known, "the earlier topic's partitions were dropped from the metadata"
    assert delivered, "the earlier topic's message waited without a leader"
