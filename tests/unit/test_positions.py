"""Offsets kept with state (agents/positions.py), broker-free: an in-memory partition log stands in
for the direct reader and a plain object for the parts of Faust's app the tail look uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

from agents.positions import PositionKeeper, Positions
from streams.committed_seeks import CommittedSeeks
from tests.support import Handled, MemoryLog

TOPIC = MemoryLog.TOPIC


def _positions(log: MemoryLog) -> Positions:
    return Positions("unit", frozenset({TOPIC}), {}, log)


async def test_messages_passed_over_are_handled_first_in_log_order() -> None:
    log = MemoryLog()
    records = [log.append(0, f"m{i}".encode()) for i in range(6)]
    positions, handled = _positions(log), Handled()

    await positions.handle(records[0], handled)
    count = await positions.handle(records[4], handled)  # 1..3 never delivered

    assert handled.offsets == [0, 1, 2, 3, 4]
    assert count == 4
    assert positions.last(TOPIC, 0) == 4


async def test_a_redelivered_message_is_handled_again_and_the_position_stays() -> None:
    log = MemoryLog()
    records = [log.append(0, b"m") for _ in range(4)]
    positions, handled = _positions(log), Handled()
    for record in records:
        await positions.handle(record, handled)

    await positions.handle(records[1], handled)  # a restart before the commit re-delivers it

    assert handled.offsets == [0, 1, 2, 3, 1]
    assert positions.last(TOPIC, 0) == 3
    assert log.reads == []


async def test_a_transaction_marker_is_read_past_and_nothing_is_invented() -> None:
    log = MemoryLog()
    first = log.append(0, b"m")
    log.append(0, None)  # the commit marker
    second = log.append(0, b"m")
    positions, handled = _positions(log), Handled()

    await positions.handle(first, handled)
    await positions.handle(second, handled)

    assert handled.offsets == [0, 2]
    assert log.reads == [((TOPIC, 0), 1, 2)]


async def test_the_first_message_seen_on_a_partition_is_checked_from_the_start() -> None:
    log = MemoryLog()
    records = [log.append(1, b"m") for _ in range(3)]
    positions, handled = _positions(log), Handled()

    await positions.handle(records[2], handled)  # a group that committed past 0 and 1 unread

    assert handled.offsets == [0, 1, 2]


async def test_a_position_past_the_committed_offset_is_trusted_only_once_recorded_again() -> None:
    log = MemoryLog()
    records = [log.append(0, f"m{i}".encode()) for i in range(12)]
    seeks = CommittedSeeks()
    positions = Positions("unit", frozenset({TOPIC}), {f"{TOPIC}|0": 9}, log,
                          committed_seek=seeks.last)  # fmt: skip
    seeks.note({TP(TOPIC, 0): 5})  # a killed worker recorded 9, its results durable up to 4
    handled = Handled()

    await positions.handle(records[10], handled)  # 5..9 passed over by the consumer
    await positions.handle(records[11], handled)  # recorded since the seek: trusted

    assert handled.offsets == [5, 6, 7, 8, 9, 10, 11]
    assert log.reads == [((TOPIC, 0), 5, 10)]
    seeks.note({TP(TOPIC, 0): 11})  # the next seek: trusted up to its committed offset again
    assert positions.last(TOPIC, 0) == 10


def test_a_partition_without_a_committed_offset_trusts_no_position() -> None:
    seeks = CommittedSeeks()
    positions = Positions("unit", frozenset({TOPIC}), {f"{TOPIC}|0": 3, f"{TOPIC}|1": 4},
                          MemoryLog(), committed_seek=seeks.last)  # fmt: skip
    assert positions.last(TOPIC, 0) == 3  # no seek yet: as recorded

    seeks.note({TP(TOPIC, 0): None, TP(TOPIC, 1): 9})

    assert (positions.last(TOPIC, 0), positions.last(TOPIC, 1)) == (-1, 4)


@dataclass
class FakeConsumer:
    assigned: set[TP]
    seeks: list[tuple[TP, int]] = field(default_factory=list)
    committed_seeks: CommittedSeeks = field(default_factory=CommittedSeeks)

    def assignment(self) -> set[TP]:
        return self.assigned

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        self.seeks.extend(partitions.items())


@dataclass
class FakeApp:
    """What PositionKeeper asks of a Faust app."""

    consumer: FakeConsumer
    conf: Any = field(default_factory=lambda: SimpleNamespace(id="unit-app"))
    rebalancing: bool = False
    rebalancing_count: int = 0
    in_recovery: bool = False

    def Table(self, name: str, **_: Any) -> dict[str, int]:
        return {}


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


def _keeper(log: MemoryLog) -> tuple[PositionKeeper, Positions, FakeConsumer]:
    consumer = FakeConsumer({TP(TOPIC, 0), TP("not-guarded", 0)})
    keeper = PositionKeeper(FakeApp(consumer), log, partitions=1)  # type: ignore[arg-type]
    return keeper, keeper.guard("unit", (TOPIC,)), consumer


async def test_a_tail_committed_past_unhandled_messages_is_read_again(
    log: MemoryLog,
) -> None:
    keeper, positions, consumer = _keeper(log)
    records = [log.append(0, b"m") for _ in range(5)]
    for record in records[:2]:
        await positions.handle(record, Handled())
    log.commits[(TOPIC, 0)] = 5  # 2..4 passed over, and nothing follows to reveal it

    assert await keeper.look_at_tails() == [(TOPIC, 0)]
    assert await keeper.look_at_tails() == []  # being read again: not sent back at once
    assert await keeper.look_at_tails() == []
    assert await keeper.look_at_tails() == [(TOPIC, 0)]  # no progress for 3 looks: again
    assert consumer.seeks == [(TP(TOPIC, 0), 2)] * 2
    await positions.handle(records[2], Handled())
    assert (TOPIC, 0) in await keeper.look_at_tails()  # moved, still short: again


async def test_a_partition_behind_its_end_but_not_its_commit_is_left_alone(
    log: MemoryLog,
) -> None:
    keeper, positions, consumer = _keeper(log)
    records = [log.append(0, b"m") for _ in range(6)]
    await positions.handle(records[0], Handled())
    log.commits[(TOPIC, 0)] = 1  # the rest is in flight: Faust has not committed it

    assert await keeper.look_at_tails() == []
    assert consumer.seeks == [] and log.reads == []


async def test_a_tail_of_markers_only_is_read_once_and_never_sent_back(log: MemoryLog) -> None:
    keeper, positions, consumer = _keeper(log)
    await positions.handle(log.append(0, b"m"), Handled())
    log.append(0, None)  # the commit marker ends the partition
    log.commits[(TOPIC, 0)] = 2

    for _ in range(3):
        assert await keeper.look_at_tails() == []

    assert consumer.seeks == []
    assert log.reads == [((TOPIC, 0), 1, 2)]


async def test_nothing_handled_on_a_committed_partition_is_read_from_the_start(
    log: MemoryLog,
) -> None:
    keeper, _, consumer = _keeper(log)
    for _ in range(3):
        log.append(0, b"m")
    log.commits[(TOPIC, 0)] = 3
    keeper.app.in_recovery = True  # the position table may still be empty: no look

    assert await keeper.look_at_tails() == []
    keeper.app.in_recovery = False
    assert await keeper.look_at_tails() == [(TOPIC, 0)]
    assert consumer.seeks == [(TP(TOPIC, 0), 0)]


async def test_the_keepers_picture_names_what_it_sent_back_and_where_it_stands_now(
    log: MemoryLog,
) -> None:
    keeper, positions, _ = _keeper(log)
    records = [log.append(0, b"m") for _ in range(4)]
    await positions.handle(records[0], Handled())
    log.commits[(TOPIC, 0)] = 4
    await keeper.look_at_tails()
    await positions.handle(records[1], Handled())

    picture = keeper.picture()

    assert picture.splitlines() == [
        "POSITION KEEPER",
        f"  sent back {TOPIC}[0] after 0, looks since: 1, last handled now: 1",
    ]


async def test_a_tail_a_killed_worker_recorded_past_the_committed_offset_is_read_again(
    log: MemoryLog,
) -> None:
    keeper, positions, consumer = _keeper(log)
    records = [log.append(0, b"m") for _ in range(6)]
    for record in records:
        await positions.handle(record, Handled())  # the worker before: recorded 0..5
    consumer.committed_seeks.note({TP(TOPIC, 0): 3})  # the restart's seek: durable up to 2
    log.commits[(TOPIC, 0)] = 6  # and then committed past 3..5 unread

    assert await keeper.look_at_tails() == [(TOPIC, 0)]
    assert consumer.seeks == [(TP(TOPIC, 0), 3)]
