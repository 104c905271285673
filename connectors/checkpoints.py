"""Durable connector progress, kept in Kafka itself.

A connector writes its events and its checkpoint (last source sequence + running counts) in one
Kafka transaction, so after a crash either both are visible to ``read_committed`` readers or
neither is: a restart resumes exactly where the last committed batch ended, and nothing is
published twice.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from dataclasses import asdict, dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import TopicAuthorizationFailedError

from connectors.sources.base import Cursor
from streams.clients import (
    CONNECTOR_RETRY_BACKOFF_MS,
    READ_FETCH_WAIT_MS,
    READ_POLL_MS,
    ReadRefused,
)
from streams.kafka_auth import NO_AUTH, KafkaAuth

CHECKPOINT_TOPIC = "hub.connector-checkpoints"
#: a read of the checkpoints that makes no progress this long fails
READ_TIMEOUT_S = 30.0
#: how long a new reader waits for the topic to appear in the metadata
TOPIC_WAIT_S = 10.0


@dataclass(frozen=True)
class Checkpoint:
    sequence: Cursor | None = None  # None: nothing done yet
    read: int = 0
    published: int = 0
    rejected: int = 0


_SEPARATOR = "\x1f"
#: how a pushed request is named among the checkpoints (a request is its own source)
REQUEST_PREFIX = "request "


def checkpoint_key(connector: str, source: str) -> bytes:
    return f"{connector}{_SEPARATOR}{source}".encode()


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    return json.dumps(asdict(checkpoint)).encode()


class KafkaCheckpoints:
    """The checkpoints topic, read by one group-less consumer kept open between calls: each call
    reads only what was committed since the last (a replay asks once or twice per source, and
    an HTTP push connector once per request; a consumer started for each call spent most of a
    replay's set-up on metadata). Safe to share between threads; ``close`` ends it."""

    def __init__(
        self, bootstrap: str, topic: str = CHECKPOINT_TOPIC, auth: KafkaAuth = NO_AUTH
    ) -> None:
        self.bootstrap = bootstrap
        self.auth = auth
        self.topic = topic
        self._latest: dict[bytes, bytes | None] = {}
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()

    def all(self) -> dict[tuple[str, str], Checkpoint]:
        """The latest committed checkpoint of every (connector, source)."""
        with self._lock:
            self._read_to_end()
            latest = dict(self._latest)
        found = {}
        for key, value in latest.items():
            if value is None:
                continue
            connector, _, source = key.decode().partition(_SEPARATOR)
            fields = json.loads(value)
            if isinstance(fields["sequence"], list):  # JSON has no tuples
                fields["sequence"] = tuple(fields["sequence"])
            found[(connector, source)] = Checkpoint(**fields)
        return found

    def load(self, connector: str, source: str) -> Checkpoint:
        return self.all().get((connector, source), Checkpoint())

    def close(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None

    def _read_to_end(self, timeout_s: float = READ_TIMEOUT_S) -> None:
        """Everything committed up to the end offsets (last stable offsets) of now."""
        consumer = self._consumer or self._started()
        partitions = list(consumer.assignment())
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout_s
        behind = [tp for tp in partitions if consumer.position(tp) < ends[tp]]
        while behind:
            polled = consumer.poll(timeout_ms=READ_POLL_MS, max_records=10_000)
            for messages in polled.values():
                for message in messages:
                    if message.key is not None:
                        self._latest[message.key] = message.value
            # position, not the last offset seen: commit markers are never delivered
            still = [tp for tp in behind if consumer.position(tp) < ends[tp]]
            if polled or len(still) < len(behind):
                deadline = time.monotonic() + timeout_s
            elif time.monotonic() > deadline:
                raise TimeoutError(f"no progress reading {self.topic} for {timeout_s:.0f} s")
            behind = still

    def _started(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            fetch_max_wait_ms=READ_FETCH_WAIT_MS,
            retry_backoff_ms=CONNECTOR_RETRY_BACKOFF_MS,
            **self.auth.kafka_python(),
        )
        # a topic created a moment ago (a replay creates its topics, then starts the
        # connectors) may not be in the brokers' metadata yet
        deadline = time.monotonic() + TOPIC_WAIT_S
        while True:
            try:
                partitions = consumer.partitions_for_topic(self.topic)
            except TopicAuthorizationFailedError:
                consumer.close()
                raise ReadRefused(self.topic, self.auth) from None
            if partitions or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not partitions:
            consumer.close()
            raise LookupError(f"topic {self.topic!r} does not exist on {self.bootstrap}, or "
                              "this principal may not describe it")  # fmt: skip
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        self._consumer = consumer
        # closed when dropped, as a consumer per call was
        weakref.finalize(self, consumer.close)
        return consumer


_SHARED: dict[tuple[str, str, KafkaAuth], KafkaCheckpoints] = {}
_SHARED_LOCK = threading.Lock()


def shared_checkpoints(
    bootstrap: str, topic: str = CHECKPOINT_TOPIC, auth: KafkaAuth = NO_AUTH
) -> KafkaCheckpoints:
    """One reader of a checkpoints topic for every connector of this process (a replay builds
    23): starting a consumer takes ~0.15 s, most of it kafka-python's first metadata."""
    with _SHARED_LOCK:
        key = (bootstrap, topic, auth)
        if key not in _SHARED:
            _SHARED[key] = KafkaCheckpoints(bootstrap, topic, auth)
        return _SHARED[key]


def pushed_requests_together(
    checkpoints: dict[tuple[str, str], Checkpoint],
) -> dict[tuple[str, str], Checkpoint]:
    """The checkpoints with each connector's pushed requests summed into one "HTTP push" row."""
    merged: dict[tuple[str, str], Checkpoint] = {}
    for (connector, source), totals in checkpoints.items():
        if not source.startswith(REQUEST_PREFIX):
            merged[(connector, source)] = totals
            continue
        key = (connector, "HTTP push")
        so_far = merged.get(key, Checkpoint(0))
        requests = so_far.sequence if isinstance(so_far.sequence, int) else 0
        merged[key] = Checkpoint(
            requests + 1,  # the number of requests
            so_far.read + totals.read,
            so_far.published + totals.published,
            so_far.rejected + totals.rejected,
        )
    return merged
