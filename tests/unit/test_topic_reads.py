"""The read loop behind ``read_to_end`` and ``TopicTail``, on a stand-in consumer (no broker):
records a fetch brings from past the ends the call began with are left for the next call, and
a tail whose read failed loses nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import TopicPartition

from streams import clients
from streams.clients import TopicTail, _read_to_ends

TP = TopicPartition("hub.alerts", 0)


@dataclass
class _Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes | None = None
    timestamp: int = 0


@dataclass
class _Consumer:
    """A partition of offsets 0.. ``written``: end offsets are asked first, and a fetch then
    returns everything written by then (more has been written in between)."""

    ends_at_call: int
    written: int
    at: int = 0
    seeks: list[int] = field(default_factory=list)

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.ends_at_call for tp in partitions}

    async def position(self, tp: TopicPartition) -> int:
        return self.at

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int) -> dict[Any, Any]:
        messages = [_Message(TP.topic, 0, offset) for offset in range(self.at, self.written)]
        self.at = self.written
        return {TP: messages} if messages else {}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append(offset)
        self.at = offset


def _offsets(consumer: _Consumer) -> list[int]:
    records = asyncio.run(_read_to_ends(consumer, [TP], 5))
    return [record.offset for record in records]


def test_what_came_from_past_the_end_is_read_by_the_next_call() -> None:
    consumer = _Consumer(ends_at_call=3, written=5)
    assert _offsets(consumer) == [0, 1, 2]
    assert consumer.seeks == [3]  # back to the end the call began with
    consumer.ends_at_call = 5
    assert _offsets(consumer) == [3, 4]  # not lost
    assert _offsets(consumer) == []


def test_a_read_that_stops_at_the_end_does_not_seek() -> None:
    consumer = _Consumer(ends_at_call=4, written=4)
    assert _offsets(consumer) == [0, 1, 2, 3]
    assert consumer.seeks == []


@dataclass
class _FailingOnce(_Consumer):
    """Its first fetch delivers offsets 0-1 and then fails (a broker lost mid-read)."""

    failed: bool = False
    stopped: int = 0

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int) -> dict[Any, Any]:
        if not self.failed:
            self.failed = True
            self.at = 2
            raise TimeoutError("the broker went away")
        return await super().getmany(*partitions, timeout_ms=timeout_ms)

    async def stop(self) -> None:
        self.stopped += 1


def test_a_tail_whose_read_failed_starts_again_from_the_beginning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failing = _FailingOnce(ends_at_call=4, written=4)
    consumers: list[_Consumer] = [failing, _Consumer(ends_at_call=4, written=4)]

    async def subscribed(*_: Any) -> tuple[Any, list[TopicPartition]]:
        return consumers.pop(0), [TP]

    monkeypatch.setattr(clients, "_subscribed", subscribed)
    tail = TopicTail("127.0.0.1:1", TP.topic)

    async def twice() -> list[int]:
        with pytest.raises(TimeoutError):
            await tail.new()
        return [record.offset for record in await tail.new()]

    assert asyncio.run(twice()) == [0, 1, 2, 3]  # 0 and 1 not lost with the failed read
    assert failing.stopped == 1
