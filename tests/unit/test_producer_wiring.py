"""The hub's Faust transport builds its producers on the topic-tracking aiokafka producer
(streams/tracked_producer.py); its behaviour on a real broker is in
tests/integration/test_tracked_producer.py."""

from __future__ import annotations

from streams.faust_transport import Transport
from streams.tracked_producer import Producer, TopicTrackingProducer


def test_the_workers_transport_produces_through_the_tracking_producer() -> None:
    assert Transport.Producer is Producer
    assert Producer._producer_type.fget(None) is TopicTrackingProducer  # type: ignore[attr-defined]
