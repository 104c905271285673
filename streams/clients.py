"""Producer and consumer factories: kafka-python for synchronous producers (connectors), aiokafka
for asynchronous readers (dashboards, tests). The Faust worker brings its own clients."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import TopicAuthorizationFailedError, UnknownTopicOrPartitionError
from kafka import KafkaProducer

from streams.kafka_auth import NO_AUTH, KafkaAuth


def make_producer(
    bootstrap: str, client_id: str, auth: KafkaAuth = NO_AUTH, **overrides: Any
) -> KafkaProducer:
    """An idempotent producer that waits for every in-sync replica: nothing acknowledged is lost
    and a retried send is never written twice."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "retries": 2_147_483_647,
        "max_in_flight_requests_per_connection": 5,
    }
    return KafkaProducer(**(config | auth.kafka_python() | overrides))


class ReadRefused(PermissionError):
    """The brokers' ACLs do not let this principal read the topic."""

    def __init__(self, topic: str, auth: KafkaAuth) -> None:
        who = auth.username or "an anonymous client"
        super().__init__(f"the brokers refuse to let {who} read {topic}: it is not shared with it")
        self.topic = topic


@dataclass(frozen=True)
class Record:
    """One message as read back, with where it came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int

    @classmethod
    def of(cls, message: Any) -> Record:
        """A consumer's message (aiokafka's or kafka-python's ConsumerRecord)."""
        return cls(message.topic, message.partition, message.offset, message.key, message.value,
                   message.timestamp)  # fmt: skip


#: How long the broker holds a fetch when nothing lies past its offset, and how long a read
#: waits for records before it looks whether its position has reached the end. A partition that
#: ends in a transaction marker (a connector's last commit) is read through to that end by
#: fetches that return nothing; with the defaults (500 ms each) every such read took half a
#: second, and a guarded agent reading a passed-over range stalled that long each time.
READ_FETCH_WAIT_MS = 10
READ_POLL_MS = 20
#: kafka-python waits this long before asking again for a transaction coordinator or a topic's
#: metadata; at its default (100 ms) a connector's start (init_transactions, the first send to
#: each topic, its checkpoints reader's first metadata) took ~0.2 s, and a replay of 23
#: connectors ~5 s of its 15 (scale 0.02)
CONNECTOR_RETRY_BACKOFF_MS = 10
#: empty ranges a PartitionReader remembers at most
KNOWN_EMPTY_MAX = 100_000
#: aiokafka's own default, for the readers that are given no timeout
REQUEST_TIMEOUT_S = 40.0


def _group_less_consumer(
    bootstrap: str,
    auth: KafkaAuth,
    isolation_level: str,
    *topics: str,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        # also how long its start waits for a subscribed topic's metadata before it says the
        # topic is missing
        request_timeout_ms=int(request_timeout_s * 1000),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level=isolation_level,
        fetch_max_wait_ms=READ_FETCH_WAIT_MS,
        **auth.aiokafka(),
    )


async def _subscribed(
    bootstrap: str, topic: str, timeout_s: float, isolation_level: str, auth: KafkaAuth
) -> tuple[AIOKafkaConsumer, list[TopicPartition]]:
    """A started group-less consumer of every partition of ``topic``, at their beginnings; a
    LookupError if the topic does not exist, ReadRefused if the ACLs forbid reading it."""
    consumer = _group_less_consumer(
        bootstrap, auth, isolation_level, topic, request_timeout_s=timeout_s
    )
    try:
        await consumer.start()
    except UnknownTopicOrPartitionError:
        await consumer.stop()
        raise LookupError(f"topic {topic!r} does not exist on {bootstrap}") from None
    except TopicAuthorizationFailedError:
        await consumer.stop()
        raise ReadRefused(topic, auth) from None
    except BaseException:
        await consumer.stop()  # else it is left unclosed (a ResourceWarning at collection)
        raise
    try:
        if topic not in await consumer.topics():
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}")
        assigned = await _wait_for_assignment(consumer, timeout_s)
        await consumer.seek_to_beginning(*assigned)
    except BaseException:
        await consumer.stop()
        raise
    return consumer, assigned


async def _read_to_ends(
    consumer: AIOKafkaConsumer, assigned: list[TopicPartition], timeout_s: float
) -> list[Record]:
    """What lies between the consumer's positions and the partitions' end offsets now; the
    consumer is left at those ends, so that what a fetch brought from past them (written since
    the call began) is read by the next call, not lost."""
    end_offsets = await consumer.end_offsets(assigned)
    records: list[Record] = []
    remaining = {tp for tp in assigned if await consumer.position(tp) < end_offsets[tp]}
    overshot: set[TopicPartition] = set()
    deadline = time.monotonic() + timeout_s
    while remaining:
        batches = await consumer.getmany(*remaining, timeout_ms=READ_POLL_MS)
        for tp, messages in batches.items():
            records.extend(Record.of(m) for m in messages if m.offset < end_offsets[tp])
            if messages and messages[-1].offset >= end_offsets[tp]:
                overshot.add(tp)
        # Position, not the last offset seen: compaction and transaction markers leave
        # offsets that are never delivered.
        done = {tp for tp in remaining if await consumer.position(tp) >= end_offsets[tp]}
        remaining -= done
        if batches or done:
            deadline = time.monotonic() + timeout_s
        elif remaining and time.monotonic() > deadline:
            raise TimeoutError(f"no progress reading {assigned[0].topic} for {timeout_s:.0f} s")
    for tp in overshot:
        consumer.seek(tp, end_offsets[tp])
    return records


async def read_to_end(
    bootstrap: str,
    topic: str,
    timeout_s: float = 30.0,
    isolation_level: str = "read_committed",
    auth: KafkaAuth = NO_AUTH,
) -> list[Record]:
    """Every message in ``topic`` up to its end offsets at the time of the call, in partition
    order. Reads without a consumer group, so it commits nothing and disturbs no one; by default
    only what committed transactions wrote (non-transactional messages count as committed)."""
    consumer, assigned = await _subscribed(bootstrap, topic, timeout_s, isolation_level, auth)
    try:
        return await _read_to_ends(consumer, assigned, timeout_s)
    finally:
        await consumer.stop()


class TopicTail:
    """A topic read bit by bit: each ``new()`` returns the committed messages written since the
    previous call (the first: since the beginning), up to the end offsets at the time of the
    call, with one group-less consumer kept open between calls; ``stop`` closes it.

    For a worker that needs a whole topic again and again (the bulletins' open alerts): reading
    it from the beginning each time grew with the topic and held the event loop for seconds."""

    def __init__(
        self, bootstrap: str, topic: str, auth: KafkaAuth = NO_AUTH, timeout_s: float = 30.0
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.auth = auth
        self.timeout_s = timeout_s
        self._reading: tuple[AIOKafkaConsumer, list[TopicPartition]] | None = None
        self._lock = asyncio.Lock()

    async def new(self) -> list[Record]:
        """A call that fails has moved the consumer past what it fetched and did not return:
        the tail then starts again from the beginning, so the next call sees it (with what
        earlier calls returned, again: callers keep the latest per key)."""
        async with self._lock:
            if self._reading is None:
                self._reading = await _subscribed(
                    self.bootstrap, self.topic, self.timeout_s, "read_committed", self.auth
                )
            try:
                return await _read_to_ends(*self._reading, self.timeout_s)
            except BaseException:
                consumer, self._reading = self._reading[0], None
                await consumer.stop()
                raise

    async def stop(self) -> None:
        async with self._lock:
            if self._reading is not None:
                await self._reading[0].stop()
                self._reading = None


async def _wait_for_assignment(
    consumer: AIOKafkaConsumer, timeout_s: float
) -> list[TopicPartition]:
    """Without a group, the consumer assigns itself every partition once metadata arrives."""
    deadline = time.monotonic() + timeout_s
    while not consumer.assignment():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no partitions assigned within {timeout_s:.0f} s")
        await asyncio.sleep(0.05)
    return sorted(consumer.assignment())


def latest_per_key(records: list[Record]) -> dict[bytes | None, bytes | None]:
    """What a compacted topic converges to: the last value of each key."""
    latest: dict[bytes | None, bytes | None] = {}
    for record in records:
        latest[record.key] = record.value
    return latest


class PartitionReader:
    """Reads offset ranges of single partitions, committed messages only, and a group's
    committed offsets, with one group-less consumer and one admin client kept open between
    calls (started on the first); ``stop`` closes them.

    A whole range found empty is remembered: each guarded agent reading a topic finds the same
    transaction markers as gaps (three agents read the department topics), and what a range
    holds of committed messages never changes once a message past it has been delivered."""

    def __init__(self, bootstrap: str, auth: KafkaAuth = NO_AUTH, timeout_s: float = 30.0) -> None:
        self.bootstrap = bootstrap
        self.auth = auth
        self.timeout_s = timeout_s
        self._empty: set[tuple[str, int, int, int]] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()
        self._admin: AIOKafkaAdminClient | None = None
        self._admin_lock = asyncio.Lock()

    async def read(
        self, topic: str, partition: int, start: int, end: int, limit: int | None = None
    ) -> list[Record]:
        """The messages at offsets ``start`` <= offset < ``end`` (the first ``limit`` of them);
        an offset before the log's start reads from the start."""
        if limit is None and (topic, partition, start, end) in self._empty:
            return []
        async with self._lock:
            consumer = await self._started()
            tp = TopicPartition(topic, partition)
            consumer.assign([tp])
            consumer.seek(tp, start)
            records: list[Record] = []
            deadline = time.monotonic() + self.timeout_s
            reached = await consumer.position(tp)
            while reached < end and (limit is None or len(records) < limit):
                messages = (await consumer.getmany(tp, timeout_ms=READ_POLL_MS)).get(tp, [])
                records.extend(Record.of(m) for m in messages if m.offset < end)
                # a fetch of transaction markers only moves the position: progress too
                position = await consumer.position(tp)
                if messages or position > reached:
                    deadline = time.monotonic() + self.timeout_s
                elif time.monotonic() > deadline:
                    raise TimeoutError(
                        f"no progress reading {topic}[{partition}] {start}..{end} "
                        f"for {self.timeout_s:.0f} s"
                    )
                reached = position
        if limit is None and not records:
            if len(self._empty) >= KNOWN_EMPTY_MAX:
                self._empty.clear()
            self._empty.add((topic, partition, start, end))
        return records[:limit]

    async def committed(
        self, group: str, partitions: list[tuple[str, int]]
    ) -> dict[tuple[str, int], int]:
        """``group``'s committed offsets (the next it will read) of those it has one for."""
        async with self._admin_lock:
            if self._admin is None:
                admin = AIOKafkaAdminClient(
                    bootstrap_servers=self.bootstrap, **self.auth.aiokafka()
                )
                await admin.start()
                self._admin = admin
            found = await self._admin.list_consumer_group_offsets(
                group, partitions=[TopicPartition(t, p) for t, p in partitions]
            )
        return {(tp.topic, tp.partition): meta.offset for tp, meta in found.items()
                if meta.offset >= 0}  # fmt: skip

    async def stop(self) -> None:
        async with self._lock:
            if self._consumer is not None:
                await self._consumer.stop()
                self._consumer = None
        async with self._admin_lock:
            if self._admin is not None:
                await self._admin.close()
                self._admin = None

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = _group_less_consumer(self.bootstrap, self.auth, "read_committed")
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._consumer = consumer
        return self._consumer
