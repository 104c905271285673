"""The hub's Faust transport (streams/faust_transport.py) on a real broker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from streams.faust_app import make_app
from streams.faust_transport import TopicScopedProducer
from streams.settings import HubSettings
from tests.support import unique

pytestmark = pytest.mark.kafka


def test_a_declared_topic_is_created_and_only_the_declared_topics_are_tracked(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Faust refreshes the producer's metadata after each declaration; a client tracking no
    topics would ask for every topic on the cluster each time."""
    name = f"hub.{unique('declared')}"

    async def declare() -> set[str]:
        settings = HubSettings(bootstrap_servers=kafka_bootstrap, state_dir=tmp_path)
        app = make_app(settings, unique("declare"), "memory://", asyncio.get_running_loop())
        await app.producer.start()
        try:
            await app.topic(name, partitions=2, internal=True).declare()
            assert isinstance(app.producer, TopicScopedProducer)
            return set(app.producer._ensure_producer().client._topics)
        finally:
            await app.producer.stop()

    tracked = asyncio.run(declare())
    assert tracked == {name}
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        (described,) = admin.describe_topics([name])
    finally:
        admin.close()
    assert len(described["partitions"]) == 2
