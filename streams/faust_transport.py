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

It subscribes only once the brokers' metadata shows every topic to subscribe. Faust creates its
internal topics just before it subscribes; a group leader whose metadata does not show one yet
assigns without it ("Ignoring missing topic") and notices it only at its next metadata refresh,
minutes on: seen on a fresh broker, where a worker of the alerts half was ready at once, without
the partitions of its internal topics, and raised no alert.

It notes the offsets its fetcher stepped over between two records of one poll (transaction
markers, aborted records: streams/fetch_skips.py), so that the guarded agents need not read
those gaps again; and the committed offsets of each seek to them (streams/committed_seeks.py),
past which the guarded agents do not trust positions a worker before them left.

It tells Faust's commit bookkeeping of the offsets stepped over without the record after them
(``stepped_over``): Faust's own count held every commit of a transactional topic to one
transaction at a time.

Its producer tracks the metadata of every topic it sends to (streams/tracked_producer.py).

And while the worker recovers its tables it hands fetched changelog records to Faust's
conductor eagerly (streams/eager.py): Faust's loop makes four tasks per message to be able to
abandon a callback blocked when a rebalance suspends the flow; a callback that does not block
(nearly all) now runs without them. Once the recovery itself takes records in bulk
(streams/faust_recovery.py) those tasks are most of what a cold worker spends per changelog
record: 10^6 records in 80 s without, 25-30 s with.

Registered as the ``kafka-committed://`` scheme (entry point ``faust.transports`` in
pyproject.toml).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Coroutine, Iterable, Mapping
from typing import Any, cast

import aiokafka
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as driver
from faust.types import TP

from streams.committed_seeks import CommittedSeeks
from streams.eager import start_eagerly
from streams.fetch_skips import FetchSkips, note_skips
from streams.tracked_producer import Producer as TopicTrackingProducerService

SCHEME = "kafka-committed"
#: about an agent's longest wait on one event (an enterprise the registry lacks: 60 s)
STREAM_WAIT_S = 60.0
#: at a worker's stop, how long the messages in flight get to be handled: a message a stop's
#: flow suspension caught between the consumer and its stream is never handled (with Faust's
#: wait, a worker stopped just after its start could hang for the whole STREAM_WAIT_S), and
#: one not handled is not committed, so the next start reads it again
STOP_WAIT_S = 5.0
#: how long a subscription waits for the brokers to show the topics Faust just created
TOPICS_WAIT_S = 30.0
#: messages handed on between two turns given to the event loop (Faust's figure)
FETCH_YIELD_EVERY = 100
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

    async def subscribe(self, topics: Iterable[str]) -> None:
        wanted = set(topics)
        await self.call_thread(self._wait_for_metadata, wanted)
        await super().subscribe(wanted)

    async def _wait_for_metadata(self, topics: set[str]) -> None:
        """Until the consumer's metadata holds every topic of ``topics`` (asked for those
        topics only), or TOPICS_WAIT_S has passed: then a warning names what is missing."""
        client = self._ensure_consumer()._client
        await client.set_topics(client._topics | topics)  # asks for these only, not all
        deadline = time.monotonic() + TOPICS_WAIT_S
        while missing := sorted(t for t in topics if not client.cluster.partitions_for_topic(t)):
            if time.monotonic() > deadline:
                log.warning("subscribing without %s: the brokers did not show them within "
                            "%.0f s", ", ".join(missing), TOPICS_WAIT_S)  # fmt: skip
                return
            await client.force_metadata_update()
            await asyncio.sleep(0.05)


class ReadCommittedConsumer(driver.Consumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: what the fetcher stepped over (streams/fetch_skips.py), for the guarded agents
        self.fetch_skips = FetchSkips()
        #: the committed offsets it sought to (streams/committed_seeks.py), for them too
        self.committed_seeks = CommittedSeeks()

    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return ReadCommittedConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:
        # the records as aiokafka returned them, before Faust filters or drops any
        fetched = await super()._getmany(active_partitions=active_partitions, timeout=timeout)
        note_skips(self.fetch_skips, fetched)
        return fetched

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        self.committed_seeks.note(committed)
        return committed

    async def wait_empty(self) -> None:
        """Faust's wait for the messages in flight, without those of partitions this worker no
        longer has, and for at most ``STREAM_WAIT_S`` at a rebalance, ``STOP_WAIT_S`` at the
        worker's stop."""
        stopping = self.app.should_stop
        waited_s = STOP_WAIT_S if stopping else STREAM_WAIT_S
        deadline = time.monotonic() + waited_s
        while not self.should_stop and self._unacked_messages:
            self._forget_unassigned()
            gc.collect()  # the set is weak: messages no stream holds leave it
            if not self._unacked_messages:
                break
            if time.monotonic() > deadline:
                log.warning("going on with the %s after %.0f s; still unacknowledged, so not "
                            "committed (read again later): %s", "stop" if stopping else
                            "rebalance", waited_s, _positions(self._unacked_messages))  # fmt: skip
                break
            await self.commit()
            await self._wait_for_ack(timeout=1)
            self._clean_unacked_messages()
        await self.commit_and_end_transactions()

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - the worker's
        """Faust's fetch loop (faust/transport/consumer.py, ``Consumer._drain_messages``) with
        one change: while the worker recovers its tables, a changelog record's conductor
        callback is started eagerly, and only one that suspends is raced against the flow's
        suspension (``wait_first``), as Faust does for every message. Everything else goes
        Faust's way: eager delivery outside recovery (of every message, and once of changelog
        records only) was followed by a worker stalled for good in the committed-past-unhandled
        hub test (tests/integration/test_hub_agents.py), for a reason not found yet."""
        callback = self.callback
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        acks_enabled_for = self.app.topics.acks_enabled_for
        suspended = self.suspend_flow.is_set
        app = self.app
        is_changelog = getattr(app.tables, "reads_changelog", lambda topic: False)
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                fetched = self.getmany(timeout=1.0)
                # getmany can return at once, again and again: give the loop a turn
                await self.sleep(0)
                if self.should_stop:
                    continue
                async for tp, message in fetched:
                    since_yield += 1
                    if since_yield > FETCH_YIELD_EVERY:
                        await asyncio.sleep(0)
                        since_yield = 0
                    offset = message.offset
                    read_offset = get_read_offset(tp)
                    if read_offset is not None and offset < read_offset:
                        continue  # Faust drops these too (read again after a seek)
                    if (gap := stepped_over(read_offset, offset)) and acks_enabled_for(tp.topic):
                        await self._add_gap(tp, *gap)
                    if self._commit_every is not None and self._n_acked >= self._commit_every:
                        self._n_acked = 0
                        await self.commit()
                    if suspended() or not (app.in_recovery and is_changelog(tp.topic)):
                        await self.wait_first(callback(message), self.suspend_flow.wait())
                    elif (
                        rest := start_eagerly(cast(Coroutine[Any, Any, None], callback(message)))
                    ) is not None:
                        await self.wait_first(rest, self.suspend_flow.wait())
                    set_read_offset(tp, offset)
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

    def _forget_unassigned(self) -> None:
        assigned = self.assignment()
        stale = {m for m in self._unacked_messages if m.tp not in assigned}
        if stale:
            log.warning("not waiting for %s: partitions given away before this rebalance",
                        _positions(stale))  # fmt: skip
            self._unacked_messages -= stale


def stepped_over(read_offset: int | None, offset: int) -> tuple[int, int] | None:
    """The first and last offset the fetcher stepped over between the record read last at
    ``read_offset`` and the one at ``offset`` (transaction markers, aborted records), for Faust's
    commit bookkeeping (``Consumer._add_gap``: acknowledged in their place); None if none.

    Faust's own loop gives the gap up to ``offset`` itself, so that record is acknowledged twice:
    once as a gap, once when handled. ``Consumer._new_offset`` commits only the first run of
    consecutive acknowledged offsets at each commit, and a duplicate ends a run; behind every
    transaction marker of a connector's topic a commit then moved one transaction on (~84
    offsets per partition every 2.8 s), while the acknowledged offsets piled up behind it (34,000
    per partition after five minutes of a scale-1 year) and every commit sorted them again. (As
    Faust's loop, none is taken before a first read or after offset 0.)"""
    if read_offset and offset - read_offset > 1:
        return read_offset + 1, offset - 1
    return None


def _positions(messages: Any) -> str:
    return ", ".join(sorted(f"{m.topic}[{m.partition}]@{m.offset}" for m in messages))


class Transport(driver.Transport):
    Consumer = ReadCommittedConsumer
    Producer = TopicTrackingProducerService
