"""Faust's producer on an aiokafka producer that keeps the metadata of every topic it sends to.

aiokafka's client refreshes the metadata of the topics it tracks, or of every topic while it
tracks none, and ``send`` tracks a topic only if the metadata lacks it. A worker's producer
learns most of its topics from full refreshes (Faust forces one after each topic it declares),
so it tracks none of them; the first topic it sends to that appeared later (the alerts half's
``alert-signals``, created after the aggregates half started) becomes the only tracked one. From
then on each refresh asks for that topic alone and drops every other topic's partitions. A batch
waiting for a partition without a leader waits for Faust's request timeout (1,200 s, then it
fails), the producer's buffer fills, Faust's flush before each commit never returns, and the
worker stalls with metadata requests in a loop. Seen in the benchmark's P3 on 4 December: eight
minutes, 5,000 messages waiting, the client's correlation ids past 1.8 million.

Tracking each topic before its first send keeps it in every refresh.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as driver


class TopicTrackingProducer(aiokafka.AIOKafkaProducer):  # type: ignore[misc]
    """An aiokafka producer whose client tracks every topic it has been asked to send to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tracked: set[str] = set()

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> asyncio.Future[Any]:
        if topic not in self._tracked:
            self._tracked.add(topic)
            self.client.add_topic(topic)  # a refresh that includes it: no need to wait for it
        return await super().send(topic, *args, **kwargs)  # type: ignore[no-any-return]


class Producer(driver.Producer):
    """Faust's aiokafka producer service, on :class:`TopicTrackingProducer`."""

    @property
    def _producer_type(self) -> type[aiokafka.AIOKafkaProducer]:
        return TopicTrackingProducer
