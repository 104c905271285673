"""The registry topic read directly (agents/aggregation/registry.py), for enterprises the worker's
global table does not hold yet: each read takes only what was written since the last."""

from __future__ import annotations

import asyncio

import pytest

from agents.aggregation import registry as registry_module
from agents.aggregation.registry import RegistryTopic
from streams.clients import Record, make_producer
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.kafka_auth import NO_AUTH
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.examples import example_record
from tests.support import unique

pytestmark = pytest.mark.kafka

REGISTRY = load_registry(HubSettings().schemas_path)
SCHEMA = REGISTRY.latest("reference.enterprise")


def _register(bootstrap: str, topic: str, *places: tuple[str, str, str]) -> None:
    with make_producer(bootstrap, "registry-topic-test") as producer:
        for uscc, district, industry in places:
            record = {**example_record(SCHEMA), "uscc": uscc, "district": district,
                      "industry": industry}  # fmt: skip
            producer.send(topic, key=uscc.encode(), value=encode(SCHEMA, record))
        producer.flush()


def test_each_refresh_reads_only_what_was_registered_since(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_module, "MIN_REFRESH_S", 0.0)
    topic = f"hub.{unique('enterprises')}"
    ensure_topics(kafka_bootstrap, [TopicSpec(topic, "hub", "registry", partitions=3)], 1)
    _register(kafka_bootstrap, topic, ("A", "370202", "C33"), ("B", "370211", "E47"))

    async def refresh_twice() -> tuple[list[dict[str, tuple[str, str]]], list[int]]:
        registry_topic = RegistryTopic(kafka_bootstrap, NO_AUTH, topic, REGISTRY)
        read: list[int] = []
        try:
            await registry_topic.refresh()
            tail = registry_topic._tail
            assert tail is not None
            reading = tail.new

            async def counted() -> list[Record]:
                records = await reading()
                read.append(len(records))
                return records

            tail.new = counted  # type: ignore[method-assign]
            seen = [dict(registry_topic.places)]
            _register(kafka_bootstrap, topic, ("C", "370203", "F52"))
            await registry_topic.refresh()
            seen.append(dict(registry_topic.places))
            await registry_topic.refresh()
            return seen, read
        finally:
            await registry_topic.stop()

    (first, second), read = asyncio.run(refresh_twice())
    assert first == {"A": ("370202", "C33"), "B": ("370211", "E47")}
    assert second == {**first, "C": ("370203", "F52")}
    assert read == [1, 0]  # the new enterprise, then nothing: not the whole topic again
