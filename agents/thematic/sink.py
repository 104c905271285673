"""The thematic database sink: the hub's topics into DuckDB, exactly once.

Each batch of one topic partition is written in one DuckDB transaction together with the next
offset to read (table ``hub_meta.offsets``), so a sink killed at any point resumes exactly where
its last commit left off: nothing lost, nothing twice. It reads committed messages only.

A message it cannot decode is kept, bytes and all, in ``hub_meta.rejected`` with its topic,
partition, offset and the reason, and the sink goes on: counts reconcile with the topics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from kafka import KafkaConsumer, TopicPartition

from agents.thematic.layout import SECTIONS, TableLayout, layout_of
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import DecodeError, decode
from streams.kafka_auth import NO_AUTH, KafkaAuth
from streams.topics.catalogue import catalogue

BATCH = 2_000
ROWS_PER_INSERT = 200


@dataclass
class SyncReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> messages written
    rejected: int = 0  # messages kept in hub_meta.rejected

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def sink_topics(prefix: str = "") -> dict[str, str]:
    """topic -> event type, for every catalogue topic with a section."""
    sectioned = {event_type for _, types in SECTIONS.values() for event_type in types}
    return {
        prefix + spec.name: spec.event_type for spec in catalogue() if spec.event_type in sectioned
    }


class ThematicDatabase:
    def __init__(self, path: Path, registry: SchemaRegistry) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.connection = duckdb.connect(str(path))
        self.registry = registry
        self.layouts: dict[str, TableLayout] = {}
        self.connection.execute("CREATE SCHEMA IF NOT EXISTS hub_meta")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS hub_meta.offsets (topic VARCHAR, part INTEGER, "
            "next_offset BIGINT, PRIMARY KEY (topic, part))"
        )
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS hub_meta.rejected (topic VARCHAR, part INTEGER, "
            "message_offset BIGINT, reason VARCHAR, message BLOB, "
            "PRIMARY KEY (topic, part, message_offset))"
        )
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS hub_meta.sections (section VARCHAR PRIMARY KEY, "
            "title VARCHAR)"
        )
        for section, (title, types) in SECTIONS.items():
            self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {section}")
            self.connection.execute(
                "INSERT OR REPLACE INTO hub_meta.sections VALUES (?, ?)", [section, title]
            )
            for event_type in types:
                layout = layout_of(event_type, registry.latest(event_type).parsed["fields"])
                self.connection.execute(layout.create_sql())
                self.layouts[event_type] = layout

    def close(self) -> None:
        self.connection.close()

    def rejected_count(self) -> int:
        (count,) = self.connection.execute("SELECT count(*) FROM hub_meta.rejected").fetchone() or (
            0,
        )
        return int(count)

    def next_offsets(self, topic: str) -> dict[int, int]:
        rows = self.connection.execute(
            "SELECT part, next_offset FROM hub_meta.offsets WHERE topic = ?", [topic]
        ).fetchall()
        return {int(part): int(offset) for part, offset in rows}

    def write(self, topic: str, part: int, event_type: str, messages: list[Any]) -> tuple[int, int]:
        """Write a batch and its next offset in one transaction; the messages stored and those
        rejected."""
        layout = self.layouts[event_type]
        reader = self.registry.latest(event_type)
        rows: dict[Any, tuple[Any, ...]] = {}  # primary key -> the newest row
        rejected = []
        for message in messages:
            where = f"{topic}[{part}]@{message.offset}"
            try:
                _, record = decode(self.registry, message.value or b"", where, reader)
            except DecodeError as error:
                rejected.append((topic, part, message.offset, str(error), message.value or b""))
                continue
            row = layout.row(record, (message.key or b"").decode())
            # DuckDB keeps the first of two rows with one key in a single INSERT OR REPLACE
            rows[row[0]] = row
        self.connection.execute("BEGIN TRANSACTION")
        try:
            # One statement per chunk of rows: executemany is a round trip per row.
            ordered = list(rows.values())
            for first in range(0, len(ordered), ROWS_PER_INSERT):
                chunk = ordered[first : first + ROWS_PER_INSERT]
                marks = ", ".join("(" + ", ".join("?" for _ in chunk[0]) + ")" for _ in chunk)
                self.connection.execute(
                    # table names come from the catalogue and schemas, never from input
                    f"INSERT OR REPLACE INTO {layout.table} VALUES {marks}",  # noqa: S608
                    [value for row in chunk for value in row],
                )
            for one in rejected:
                self.connection.execute(
                    "INSERT OR REPLACE INTO hub_meta.rejected VALUES (?, ?, ?, ?, ?)", one
                )
            self.connection.execute(
                "INSERT OR REPLACE INTO hub_meta.offsets VALUES (?, ?, ?)",
                [topic, part, messages[-1].offset + 1],
            )
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        return len(messages) - len(rejected), len(rejected)


def sync(
    database: ThematicDatabase,
    bootstrap: str,
    topics: dict[str, str],
    progress: Callable[[str, int], None] = lambda topic, rows: None,
    auth: KafkaAuth = NO_AUTH,
) -> SyncReport:
    """Read every topic from where the database left off up to its end at the time of the call
    (all partitions of all topics at once: one consumer, one poll loop)."""
    report = SyncReport()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False, isolation_level="read_committed",
                             max_poll_records=BATCH, **auth.kafka_python())  # fmt: skip
    try:
        present = consumer.topics()
        parts = [
            TopicPartition(topic, p)
            for topic in topics
            if topic in present
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not parts:
            return report
        consumer.assign(parts)
        ends = consumer.end_offsets(parts)
        stored = {topic: database.next_offsets(topic) for topic in {tp.topic for tp in parts}}
        for tp in parts:
            consumer.seek(tp, stored[tp.topic].get(tp.partition, 0))
        # Past the last message: transaction markers take offsets too, and polling moves the
        # position over them.
        pending = {tp for tp in parts if consumer.position(tp) < ends[tp]}
        while pending:
            for tp, messages in consumer.poll(timeout_ms=200).items():
                kept = [m for m in messages if m.offset < ends[tp]]
                if not kept:
                    continue
                event_type = topics[tp.topic]
                written, rejected = database.write(tp.topic, tp.partition, event_type, kept)
                table = database.layouts[event_type].table
                report.rows[table] = report.rows.get(table, 0) + written
                report.rejected += rejected
                progress(tp.topic, written)
            pending = {tp for tp in pending if consumer.position(tp) < ends[tp]}
    finally:
        consumer.close()
    return report


def table_counts(database: ThematicDatabase) -> Iterable[tuple[str, int]]:
    for layout in database.layouts.values():
        (count,) = database.connection.execute(
            f"SELECT count(*) FROM {layout.table}"  # noqa: S608
        ).fetchone() or (0,)
        yield layout.table, int(count)
