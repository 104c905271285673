"""Keeps the provenance log (streams/governance/provenance.py) on ``hub.provenance``: reads every
event topic of the catalogue (committed messages only) and appends an entry per message, in
Kafka transactions that end with a seal.

The log is its own checkpoint: on start the recorder reads it back — the chain's head and the
last offset recorded on each partition — and goes on from there, so a recorder killed at any
point neither skips nor repeats a message. Its transactional id fences an earlier instance still
running, so the chain has one writer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from streams.access.principals import Permission
from streams.clients import Record, make_producer, read_to_end
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import DecodeError, decode
from streams.governance.provenance import KIND_OF_TOPIC, Entry, Seal, chained, from_line, to_line
from streams.kafka_auth import KafkaAuth
from streams.topics.admin import existing_topics
from streams.topics.catalogue import TopicSpec

PROVENANCE_TOPIC = "hub.provenance"
#: messages per transaction of the log at most (each transaction ends with a seal)
BATCH_MAX = 2_000


def writers_of(topic: str, plan: dict[str, list[Permission]]) -> str:
    """The principals the access plan lets write ``topic`` (super users aside), joined by |."""
    found = set()
    for principal, permissions in plan.items():
        for p in permissions:
            writes = p.resource == "TOPIC" and p.operation in ("WRITE", "ALL")
            named = p.name == topic if p.pattern == "LITERAL" else topic.startswith(p.name)
            if writes and named:
                found.add(principal)
    return "|".join(sorted(found))


def event_topics(specs: Iterable[TopicSpec], prefix: str = "") -> list[str]:
    """The topics the log covers: every catalogue topic that carries events."""
    return [prefix + spec.name for spec in specs if spec.event_type]


def missing_log(bootstrap: str, topic: str, auth: KafkaAuth) -> None:
    """LookupError if the log's topic is not on the cluster."""
    if topic not in existing_topics(bootstrap, auth):
        raise LookupError(f"{topic} is not on {bootstrap}: create the catalogue's topics "
                          "(`injuryhub topics create`)")  # fmt: skip


def read_log(bootstrap: str, topic: str, auth: KafkaAuth) -> list[Entry | Seal]:
    """The whole log; LookupError if its topic is not on the cluster."""
    missing_log(bootstrap, topic, auth)
    records = asyncio.run(read_to_end(bootstrap, topic, auth=auth))
    return [from_line(json.loads(r.value or b"{}")) for r in records]


@dataclass
class Recorder:
    bootstrap: str
    auth: KafkaAuth
    registry: SchemaRegistry
    sources: list[str]  # the topics, as on the cluster
    principal_of: dict[str, str]  # topic (as on the cluster) -> its writers
    key: bytes
    log_topic: str
    transactional_id: str
    prefix: str = ""
    clock: Callable[[], float] = time.time

    def record(self, follow: bool = False, idle_s: float = 2.0) -> int:
        """Append an entry for every message not yet in the log; returns how many. Stops when
        ``idle_s`` passes without a new message, unless ``follow``."""
        missing_log(self.bootstrap, self.log_topic, self.auth)
        producer = make_producer(self.bootstrap, "injuryhub-provenance", auth=self.auth,
                                 transactional_id=self.transactional_id)  # fmt: skip
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                 enable_auto_commit=False, isolation_level="read_committed",
                                 **self.auth.kafka_python())  # fmt: skip
        added = 0
        try:
            # Fence an earlier recorder first (its open transaction is aborted), then read the
            # head: read before, a zombie's last commit could slip in between.
            producer.init_transactions()
            items = read_log(self.bootstrap, self.log_topic, self.auth)
            entries = [item for item in items if isinstance(item, Entry)]
            head = entries[-1] if entries else None
            done = {(e.topic, e.partition): e.offset for e in entries}
            parts = [TopicPartition(topic, p) for topic in self.sources
                     for p in sorted(consumer.partitions_for_topic(topic) or ())]  # fmt: skip
            consumer.assign(parts)
            for tp in parts:
                if (tp.topic, tp.partition) in done:
                    consumer.seek(tp, done[(tp.topic, tp.partition)] + 1)
                else:
                    consumer.seek_to_beginning(tp)
            quiet_since = time.monotonic()
            while follow or time.monotonic() - quiet_since < idle_s:
                polled = consumer.poll(timeout_ms=500, max_records=BATCH_MAX)
                messages = [m for tp in sorted(polled) for m in polled[tp]]
                if not messages:
                    continue
                quiet_since = time.monotonic()
                head = self._append(producer, head, messages)
                added += len(messages)
        finally:
            consumer.close()
            producer.close(timeout=10)
        return added

    def _append(self, producer: Any, head: Entry | None, messages: list[Any]) -> Entry:
        producer.begin_transaction()
        for message in messages:
            record = Record.of(message)
            head = chained(head, **self._content(record))
            producer.send(self.log_topic, value=_json(to_line(head)))
        assert head is not None
        seal = Seal.over(head, int(self.clock() * 1000), self.key)
        producer.send(self.log_topic, value=_json(to_line(seal)))
        producer.commit_transaction()
        return head

    def _content(self, record: Record) -> dict[str, Any]:
        data = record.value or b""
        bare = record.topic.removeprefix(self.prefix)
        content: dict[str, Any] = {
            "kind": KIND_OF_TOPIC.get(bare, "event"),
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "event_id": "",
            "event_type": "",
            "producer": "",
            "principal": self.principal_of.get(record.topic, ""),
            "payload_sha256": hashlib.sha256(data).hexdigest(),
            "timestamp_ms": record.timestamp_ms,
            "summary": "not an event (undecodable bytes)",
        }
        try:
            schema, event = decode(self.registry, data, f"{record.topic}@{record.offset}")
        except DecodeError:
            return content
        envelope = event["envelope"]
        return content | {
            "event_id": envelope["event_id"],
            "event_type": schema.event_type,
            "producer": envelope["provenance"]["producer"],
            "summary": summary(schema.event_type, event),
        }


def summary(event_type: str, event: dict[str, Any]) -> str:
    """A line a reader of the log understands, for the steps people take."""
    if event_type == "hub.governance-event":
        return (f"{event['step']} {event['subject_id']}: {event['requester']} → {event['topic']}"
                f" by {event['actor']}")  # fmt: skip
    if event_type == "hub.audit-entry":
        who = event["actor"] or "anonymous"
        return f"{event['kind']} {event['method']} {event['path']} by {who} ({event['status']})"
    if event_type == "hub.alert-action":
        return f"{event['step']} alert {event['alert_id']} by {event['actor']}"
    return f"{event_type} from {event['envelope']['source_system']}"


def _json(line: dict[str, Any]) -> bytes:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode()
