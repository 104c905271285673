"""Faust's table recovery, without the per-record costs that held a cold worker to ~10,000
changelog records/s.

A worker that lost its stores reads every table's changelog back (P5 in docs/benchmarks.md:
10^6 records). Faust's recovery loop (faust/tables/recovery.py, ``_slurp_changelogs``) takes
one record per ``asyncio.wait_for(queue.get())`` and, after each, asks ``need_recovery``, which
builds a Counter of every active changelog partition's remaining records (the hub has dozens of
tables × 6 partitions). Worse, the queue's ``get`` lets the consumer fetch again a partition it
paused at 80 % of the buffer only once the buffer is *empty*, so the recovery stops for a fetch
from the broker every few thousand records.

``HubRecovery`` takes every record the buffer holds after each wait (``get_nowait``, which
resumes paused partitions once the buffer is below 40 %), asks ``need_recovery`` once per drain
and answers it from the partition last found behind (offsets only grow in a recovery: the rest
are scanned only when that one has caught up). What it does with each record is Faust's.
``HubTableManager`` uses it, gives the changelog a larger buffer and, for tables kept in RocksDB,
reads their changelogs raw: Faust's RocksDB store writes each record's bytes as they came
(faust/stores/rocksdb.py, ``apply_changelog_batch``), so decoding every key and value from JSON
first (a quarter of the time left) was work thrown away. It is the app's ``TableManager``
(streams/faust_app.py).
"""

from __future__ import annotations

import asyncio
import logging
from time import monotonic
from typing import Any, cast

import faust
from faust.stores.rocksdb import Store as RocksDBStore
from faust.tables import TableManager
from faust.tables.recovery import Recovery
from faust.types import TP, ChannelT, EventT, TopicT
from faust.types.tables import CollectionT
from faust.utils.tracing import finish_span
from mode import Service
from mode.utils.queues import ThrowableQueue

#: changelog events buffered between the consumer and the recovery
CHANGELOG_BUFFER = 20_000
#: the wait for a changelog record after which Faust checks whether recovery is done
EMPTY_WAIT_S = 5.0
#: records applied between two turns given to the event loop (standby and global tables are
#: read while the agents run)
YIELD_EVERY = 1000
log = logging.getLogger(__name__)
#: a channel's and its schema's options for keys and values taken as the bytes they came as
RAW: dict[str, Any] = {"key_type": bytes, "value_type": bytes,
                       "key_serializer": "raw", "value_serializer": "raw"}  # fmt: skip


def _behind(highwater: int | None, offset: int | None) -> bool:
    return highwater is not None and offset is not None and highwater - offset > 0


class HubRecovery(Recovery):
    _behind_tp: TP | None = None

    def need_recovery(self) -> bool:
        """Faust's answer (any active partition with records remaining), without counting them
        all for every record."""
        highwaters, offsets = self.active_highwaters, self.active_offsets
        last = self._behind_tp
        if last is not None and last in highwaters and _behind(highwaters[last], offsets[last]):
            return True
        for tp, highwater in highwaters.items():
            if _behind(highwater, offsets[tp]):
                self._behind_tp = tp
                return True
        self._behind_tp = None
        return False

    @Service.task
    async def _slurp_changelogs(self) -> None:
        queue = self.tables.changelog_queue
        timeouts = 0
        while not self.should_stop:
            try:
                self.signal_recovery_end.clear()
                try:
                    first = await asyncio.wait_for(queue.get(), timeout=EMPTY_WAIT_S)
                except TimeoutError:
                    timeouts += 1
                    if self._stopped.is_set():  # stopped during the wait
                        return
                    await self._end_if_recovered(timeouts)
                    continue
                timeouts = 0
                await self._apply(first)
                taken = 1
                while not queue.empty():
                    await self._apply(queue.get_nowait())
                    taken += 1
                    if taken % YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # the agents and timers get their turns
                await self._end_if_recovered(0)
                standbys_ready = self._standbys_span is None and self.tables.standbys_ready
                if not standbys_ready and not self.standby_remaining_total():
                    if self._standbys_span is not None:
                        finish_span(self._standbys_span)
                        self._standbys_span = None
                    self.tables.on_standbys_ready()
            except Exception as error:
                log.warning("Error in recovery %r", error)  # Faust's loop goes on likewise

    async def _end_if_recovered(self, timeouts: int) -> None:
        """Faust's ``_maybe_signal_recovery_end``: flush and signal once nothing is left."""
        if timeouts > 1 and self.app.in_transaction:
            await self._skip_aborted_transactions()
        if self.in_recovery and not self.need_recovery():
            self.flush_buffers()
            self._set_recovery_ended()
            if self._actives_span is not None:
                self._actives_span.set_tag("Actives-Ready", True)
            self.signal_recovery_end.set()

    async def _skip_aborted_transactions(self) -> None:
        """Faust's ``detect_aborted_tx``: a partition whose position is past its last record
        but short of its highwater ends in an aborted transaction's markers."""
        offsets = self.active_offsets
        for tp, highwater in self.active_highwaters.items():
            if _behind(highwater, offsets[tp]):
                position = await self.app.consumer.position(tp)
                if position is not None and position >= highwater:
                    offsets[tp] = highwater

    async def _apply(self, event: EventT[Any]) -> None:
        """Faust's handling of one changelog record: buffered for its table, the buffer applied
        to the table's store when full."""
        now = monotonic()
        tp, offset = event.message.tp, event.message.offset
        active = tp in self.active_tps
        if active:
            offsets, sizes = self.active_offsets, "recovery_buffer_size"
            self._active_events_received_at[tp] = now
        elif tp in self.standby_tps:
            offsets, sizes = self.standby_offsets, "standby_buffer_size"
            self._standby_events_received_at.setdefault(tp, now)
        else:
            log.warning("recovery: a record of %s, which is neither active nor standby", tp)
            return
        seen = offsets.get(tp)
        if seen is not None and offset <= seen:
            return
        offsets[tp] = offset
        table = self.tp_to_table[tp]
        buffer = self.buffers[table]
        buffer.append(event)
        await table.on_changelog_event(event)
        size = self.buffer_sizes.setdefault(tp, getattr(table, sizes))
        if len(buffer) >= size:
            table.apply_changelog_batch(buffer)
            buffer.clear()
            self._last_flush_at = now
        if active:
            done = monotonic()
            if self._last_active_event_processed_at is not None:
                self._processing_times.append(done - self._last_active_event_processed_at)
                if len(self._processing_times) > self.num_samples_required_for_estimate:
                    self._processing_times.popleft()
            self._last_active_event_processed_at = done


class HubTableManager(TableManager):
    @property
    def changelog_queue(self) -> ThrowableQueue[Any]:
        if self._changelog_queue is None:
            self._changelog_queue = self.app.FlowControlQueue(
                maxsize=CHANGELOG_BUFFER, clear_on_resume=True
            )
        return self._changelog_queue

    def reads_changelog(self, topic: str) -> bool:
        """Whether ``topic`` is one of the tables' changelogs (the consumer hands their records
        on eagerly during recovery: streams/faust_transport.py)."""
        return topic in self._changelogs

    async def _update_channels(self) -> None:
        """Faust's, with each table's changelog channel made by ``_changelog_channel``."""
        self._tables_finalized.set()
        for table in self.values():
            await asyncio.sleep(0)
            if table not in self._channels:
                channel = _changelog_channel(table, self.changelog_queue)
                self.app.topics.add(cast(TopicT, channel))
                await asyncio.sleep(0)
                self._channels[table] = channel
            await table.maybe_start()
        self.app.consumer.pause_partitions(
            {tp for tp in self.app.consumer.assignment() if self.reads_changelog(tp.topic)}
        )
        await asyncio.sleep(0)
        self._tables_registered.set()

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = HubRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery


def _changelog_channel(table: CollectionT, queue: asyncio.Queue[Any]) -> ChannelT[Any]:
    """Faust's channel on the table's changelog, raw for a table kept in RocksDB (whose store
    takes the records' bytes); decoded, as Faust does, for any other store (the in-memory one
    keeps the decoded keys and values)."""
    if not isinstance(getattr(table, "data", None), RocksDBStore):
        return table.changelog_topic.clone_using_queue(queue)
    return table.changelog_topic.clone(
        queue=queue, is_iterator=True, schema=faust.Schema(**RAW), **RAW
    )
