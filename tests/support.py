"""Helpers shared by the tests (no fixtures here; those live in conftest.py)."""

from __future__ import annotations

import random
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from agents.thematic.sink import ThematicDatabase
from streams.clients import Record
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.examples import example_record

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Where the test suite's own local broker keeps its state; `.ci/run` stops it from here too.
TEST_STATE_DIR = REPO_ROOT / ".state" / "test-broker"


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_runs(count: int, runs: int = 2) -> list[int]:
    """Start ports of ``runs`` disjoint runs of ``count`` consecutive free loopback ports."""
    rng = random.Random()
    starts: list[int] = []
    while len(starts) < runs:
        start = rng.randrange(20_000, 60_000)
        ports = range(start, start + count)
        clashes = any(abs(start - other) < count for other in starts)
        if not clashes and all(_free(port) for port in ports):
            starts.append(start)
    return starts


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def local_settings(state_dir: Path, nodes: int = 1, **overrides: object) -> HubSettings:
    """Settings for a private local cluster on free ports, isolated from the user's."""
    broker_port, controller_port = free_port_runs(nodes)
    return HubSettings(
        state_dir=state_dir,
        cache_dir=REPO_ROOT / ".cache",
        broker_port=broker_port,
        controller_port=controller_port,
        **overrides,  # type: ignore[arg-type]
    )


def children_of(pid: int) -> list[int]:
    """The processes the main thread of ``pid`` has started and that still run (Linux's /proc;
    other threads come and go too fast to be listed safely)."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def process_gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie counts: no one may be left to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def unique(prefix: str) -> str:
    """A fresh name per test, so tests sharing one broker never see each other's data."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def connector_topics(bootstrap: str, dept: str) -> dict[str, str]:
    """Fresh event, dead-letter and checkpoint topics for one connector test, created."""
    from streams.topics.admin import ensure_topics
    from streams.topics.catalogue import TopicSpec

    specs = {
        "events": TopicSpec(f"dept.{dept}.{unique('events')}.v1", dept, "test events", 3),
        "dlq": TopicSpec(f"hub.dlq.{unique(dept)}", "hub", "test dead letters", 1),
        "checkpoints": TopicSpec(
            f"hub.{unique('checkpoints')}", "hub", "test checkpoints", 1, cleanup_policy="compact"
        ),
    }
    ensure_topics(bootstrap, specs.values(), default_replication=1)
    return {role: spec.name for role, spec in specs.items()}


@dataclass
class MemoryLog:
    """Partitions of one topic as the broker holds them, standing in for the direct reader of
    agents/positions.py: offsets with a message, each end offset (a transaction marker is an
    offset with no message) and the consumer group's committed offsets."""

    TOPIC: ClassVar[str] = "dept.a"

    messages: dict[tuple[str, int], dict[int, bytes]] = field(default_factory=dict)
    ends: dict[tuple[str, int], int] = field(default_factory=dict)
    reads: list[tuple[tuple[str, int], int, int]] = field(default_factory=list)
    commits: dict[tuple[str, int], int] = field(default_factory=dict)  # the group's offsets

    def append(self, partition: int, value: bytes | None) -> Record:
        tp = (self.TOPIC, partition)
        offset = self.ends.get(tp, 0)
        self.ends[tp] = offset + 1
        if value is not None:
            self.messages.setdefault(tp, {})[offset] = value
        return Record(self.TOPIC, partition, offset, None, value, 0)

    async def read(
        self, topic: str, partition: int, start: int, end: int, limit: int | None = None
    ) -> list[Record]:
        self.reads.append(((topic, partition), start, end))
        held = self.messages.get((topic, partition), {})
        found = [Record(topic, partition, o, None, held[o], 0)
                 for o in range(start, end) if o in held]  # fmt: skip
        return found[:limit]

    async def committed(
        self, group: str, partitions: list[tuple[str, int]]
    ) -> dict[tuple[str, int], int]:
        return {tp: self.commits[tp] for tp in partitions if tp in self.commits}

    async def stop(self) -> None:
        pass


def insert_event(database: ThematicDatabase, event_type: str, event_id: str, occurred: datetime,
            **fields: object) -> None:  # fmt: skip
    """One event of ``event_type`` (an example record with these fields) as the thematic sink
    would store it."""
    record = example_record(load_registry(HubSettings().schemas_path).latest(event_type))
    record["envelope"].update(event_id=event_id, occurred_at=occurred)
    record.update(fields)
    layout = database.layouts[event_type]
    row = layout.row(record, event_id)
    marks = ", ".join("?" for _ in row)
    database.connection.execute(f"INSERT INTO {layout.table} VALUES ({marks})", row)


class Handled:
    """A guarded agent's handler (agents/positions.py) that notes the offsets it was given."""

    def __init__(self) -> None:
        self.offsets: list[int] = []

    async def __call__(self, message: Any) -> int:
        self.offsets.append(message.offset)
        return 1
