"""A worker's consumer subscribes only once its metadata shows every topic
(streams/faust_transport.py): a group leader assigns no partitions of a topic its metadata lacks.
Broker-free: a stand-in for aiokafka's client whose metadata shows a topic Faust just created
only after a few refreshes."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from streams import faust_transport
from streams.faust_transport import ReadCommittedConsumerThread


class _Cluster:
    def __init__(self, shown: set[str]) -> None:
        self.shown = shown

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0, 1} if topic in self.shown else None


class _Client:
    """Shows ``late`` after ``refreshes`` metadata updates; records which topics it tracks."""

    def __init__(self, late: str, refreshes: int) -> None:
        self.cluster = _Cluster({"dept.emergency.accident-report.v1"})
        self._topics: set[str] = set()
        self.late, self.refreshes_left, self.refreshes = late, refreshes, 0

    async def set_topics(self, topics: set[str]) -> bool:
        self._topics = set(topics)
        return True

    async def force_metadata_update(self) -> bool:
        self.refreshes += 1
        self.refreshes_left -= 1
        if self.refreshes_left <= 0:
            self.cluster.shown.add(self.late)
        return True


class _Thread:
    def __init__(self, client: _Client) -> None:
        self.client = client

    def _ensure_consumer(self) -> Any:
        return type("Consumer", (), {"_client": self.client})()


TOPICS = {"dept.emergency.accident-report.v1", "hub-app-alert-facts"}


async def test_the_subscription_waits_until_the_brokers_show_a_topic_just_created() -> None:
    client = _Client("hub-app-alert-facts", refreshes=3)
    await ReadCommittedConsumerThread._wait_for_metadata(_Thread(client), TOPICS)  # type: ignore[arg-type]
    assert client.refreshes == 3
    assert client._topics == TOPICS  # the refreshes ask for these topics, not the whole cluster


async def test_a_topic_that_never_shows_is_named_and_the_worker_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(faust_transport, "TOPICS_WAIT_S", 0.2)
    client = _Client("hub-app-alert-facts", refreshes=10**9)
    with caplog.at_level(logging.WARNING, logger=faust_transport.__name__):
        await ReadCommittedConsumerThread._wait_for_metadata(_Thread(client), TOPICS)  # type: ignore[arg-type]
    assert client.refreshes >= 2
    assert "subscribing without hub-app-alert-facts" in caplog.text
