"""Faust's Kafka transport, reading committed messages only.

Connectors publish in Kafka transactions; a connector killed mid-batch leaves an aborted batch in
the log. Faust's worker consumer reads ``read_uncommitted`` unless the app itself runs with
``processing_guarantee="exactly_once"`` (faust/transport/drivers/aiokafka.py, which has known
issues: faust-streaming #47, #323, #517), and would count that batch. This transport changes only
the isolation level; the hub's agents get exactness from idempotent state instead.

Registered as the ``kafka-committed://`` scheme (entry point ``faust.transports`` in
pyproject.toml).
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as driver

SCHEME = "kafka-committed"


class ReadCommittedConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        # Faust's only switch for read_committed is "in a transaction"; it is read at this one
        # place to choose the isolation level, so it is raised just for the call.
        consumer = self.consumer
        in_transaction = consumer.in_transaction
        consumer.in_transaction = True
        try:
            return super()._create_worker_consumer(transport)
        finally:
            consumer.in_transaction = in_transaction


class ReadCommittedConsumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return ReadCommittedConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    Consumer = ReadCommittedConsumer
