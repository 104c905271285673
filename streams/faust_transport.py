"""Faust's Kafka transport, reading committed messages only.

Connectors publish in Kafka transactions; a connector killed mid-batch leaves an aborted batch in
the log. Faust's worker consumer reads ``read_uncommitted`` unless the app itself runs with
``processing_guarantee="exactly_once"`` (faust/transport/drivers/aiokafka.py, which has known
issues: faust-streaming #47, #323, #517), and would count that batch. This transport changes only
the isolation level; the hub's agents get exactness from idempotent state instead.

It also bounds the wait before a rebalance (``wait_empty``). Faust waits there for every message
it handed to a stream to be acknowledged, and a message handed out before an earlier rebalance
(probably one that rebalance dropped from the streams' buffers) can stay in that set
unacknowledged, with every agent idle, for ever (seen in CI: the surviving worker of two waited
on such messages until the test gave up; its partition is read again from the committed offset
anyway). Messages of partitions this worker no longer has are forgotten at once; the rest are
waited for at most ``STREAM_WAIT_S``, then named in a warning. Going on early is safe for the
hub's agents: their state is idempotent, and an agent still busy with an event only does again
what the partition's next owner will do.

Registered as the ``kafka-committed://`` scheme (entry point ``faust.transports`` in
pyproject.toml).
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as driver

SCHEME = "kafka-committed"
#: about an agent's longest wait on one event (an enterprise the registry lacks: 60 s)
STREAM_WAIT_S = 60.0
log = logging.getLogger(__name__)


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

    async def wait_empty(self) -> None:
        """Faust's wait for the messages in flight, without those of partitions this worker no
        longer has, and for at most ``STREAM_WAIT_S``."""
        deadline = time.monotonic() + STREAM_WAIT_S
        while not self.should_stop and self._unacked_messages:
            self._forget_unassigned()
            gc.collect()  # the set is weak: messages no stream holds leave it
            if not self._unacked_messages:
                break
            if time.monotonic() > deadline:
                log.warning("going on with the rebalance after %.0f s; still unacknowledged: %s",
                            STREAM_WAIT_S, _positions(self._unacked_messages))  # fmt: skip
                break
            await self.commit()
            await self._wait_for_ack(timeout=1)
            self._clean_unacked_messages()
        await self.commit_and_end_transactions()

    def _forget_unassigned(self) -> None:
        assigned = self.assignment()
        stale = {m for m in self._unacked_messages if m.tp not in assigned}
        if stale:
            log.warning("not waiting for %s: partitions given away before this rebalance",
                        _positions(stale))  # fmt: skip
            self._unacked_messages -= stale


def _positions(messages: Any) -> str:
    return ", ".join(sorted(f"{m.topic}[{m.partition}]@{m.offset}" for m in messages))


class Transport(driver.Transport):
    Consumer = ReadCommittedConsumer
