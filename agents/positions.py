"""Offsets kept with state, so that every offset an agent reads is handled whatever Faust's
consumer does.

Why: across a rebalance Faust's consumer can drop messages it fetched but never delivered and
still commit offsets past them (a CI run lost the contributions at 10 offsets this way; cf.
faust-streaming #216, #221, #312). Each guarded agent therefore records, in a changelogged
table of its own (co-partitioned with what it reads), the last offset it handled on each
partition, and:

- a message whose offset jumps past the next expected one: the offsets in between are read
  directly from the topic (committed messages only) and handled first, in log order. A
  transaction's commit marker also leaves a gap; the direct read then finds nothing, and is
  not made when the consumer's fetcher itself stepped over the gap (streams/fetch_skips.py);
- a partition whose committed offset lies past its last handled offset (the tail, where no
  later message reveals the gap): if the direct read finds a message in between, Faust's
  consumer is sent back to the offset after the last handled one.

From each seek of the consumer to the committed offsets until a guard records a position there
again, it trusts a position only up to the committed offset: a killed worker's positions can be
ahead of its durable results (streams/committed_seeks.py).

Handling a message twice must be harmless (every hub agent's state is idempotent): a message
read directly may come through Faust later too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import faust
from faust.types import TP

from streams.clients import Record
from streams.committed_seeks import CommittedSeeks, Seek
from streams.faust_app import stop_at_shutdown
from streams.fetch_skips import FetchSkips

log = logging.getLogger(__name__)
#: how often the tails are looked at
TAIL_LOOK_S = 10.0
#: looks without progress after sending a tail back before sending it back again
RESEND_AFTER_LOOKS = 3
Partition = tuple[str, int]
#: an agent's handling of one message (a Faust message or a directly read Record)
Handler = Callable[[Any], Awaitable[int]]
#: an agent's handling of several, in log order per partition
BatchHandler = Callable[[list[Any]], Awaitable[int]]


class RangeReader(Protocol):
    """streams/clients.PartitionReader, or an in-memory one in unit tests."""

    async def read(
        self, topic: str, partition: int, start: int, end: int, limit: int | None = None
    ) -> list[Record]: ...

    async def committed(self, group: str, partitions: list[Partition]) -> dict[Partition, int]: ...

    async def stop(self) -> None: ...


@dataclass
class Positions:
    """One agent's last handled offset per partition of what it reads."""

    agent: str
    topics: frozenset[str]
    table: Any  # faust.Table[str, int]: "topic|partition" -> offset
    reader: RangeReader
    #: whether the consumer's fetcher stepped over exactly this range (streams/fetch_skips.py):
    #: then it holds nothing to read
    fetcher_skipped: Callable[[str, int, int, int], bool] = lambda *gap: False
    #: the consumer's last seek to a partition's committed offset (streams/committed_seeks.py)
    committed_seek: Callable[[str, int], Seek | None] = lambda topic, partition: None
    #: the number of the seek after which a partition's position was last recorded here
    _recorded_after: dict[Partition, int] = field(default_factory=dict)

    def last(self, topic: str, partition: int) -> int | None:
        """The last offset handled; past the committed offset of the consumer's last seek
        there, only once recorded after that seek."""
        found = self.table.get(f"{topic}|{partition}")
        if found is None:
            return None
        last = int(found)
        seek = self.committed_seek(topic, partition)
        if seek is None or self._recorded_after.get((topic, partition)) == seek[1]:
            return last
        return min(last, seek[0] - 1)

    async def handle(self, message: Any, handler: Handler) -> int:
        """``handler(message)``, after handling whatever the consumer passed over before it."""

        async def each(messages: list[Any]) -> int:
            return sum([await handler(one) for one in messages])

        return await self.handle_batch([message], each)

    async def handle_batch(self, messages: list[Any], handler: BatchHandler) -> int:
        """``handler`` once on ``messages``, each preceded by whatever the consumer passed over
        before it; the positions move once the handler is done."""
        todo: list[Any] = []
        recorded: dict[Partition, int | None] = {}  # each partition's last handled offset
        following: dict[Partition, int] = {}  # the next offset expected on each partition
        for message in messages:
            tp = (message.topic, message.partition)
            if tp not in recorded:
                recorded[tp] = last = self.last(*tp)
                following[tp] = 0 if last is None else last + 1
            if message.offset > following[tp]:
                todo += await self._passed_over(tp, following[tp], message.offset)
            todo.append(message)
            following[tp] = max(following[tp], message.offset + 1)
        handled = await handler(todo)
        for (topic, partition), last in recorded.items():
            newest = following[(topic, partition)] - 1
            if last is None or newest > last:
                self.table[f"{topic}|{partition}"] = newest
                if (seek := self.committed_seek(topic, partition)) is not None:
                    self._recorded_after[(topic, partition)] = seek[1]
        return handled

    async def _passed_over(self, tp: Partition, start: int, end: int) -> list[Record]:
        if self.fetcher_skipped(*tp, start, end):
            return []
        missed = await self.reader.read(*tp, start, end)
        if missed:
            log.warning(
                "%s: handling %d message(s) of %s[%d] at offsets %d..%d, which the "
                "consumer passed over", self.agent, len(missed), *tp,
                missed[0].offset, missed[-1].offset,
            )  # fmt: skip
        return missed


@dataclass
class PositionKeeper:
    """The guarded agents of one worker: their position tables, the direct reader they share,
    and the look at their tails (``watch``, an app timer)."""

    app: faust.App
    reader: RangeReader
    partitions: int
    guards: list[Positions] = field(default_factory=list)
    #: (last handled, group's committed offset) of tails found to hold only transaction markers
    _clean: dict[Partition, tuple[int, int]] = field(default_factory=dict)
    #: (last handled, looks since) when the consumer was sent back: not again until the
    #: position moves, or it has not moved for RESEND_AFTER_LOOKS looks (a seek can be lost)
    _sent_back: dict[Partition, tuple[int, int]] = field(default_factory=dict)

    def guard(
        self, agent: str, topics: tuple[str, ...], partitions: int | None = None
    ) -> Positions:
        """``partitions``: of ``topics``, if not the keeper's."""
        table = self.app.Table(f"{agent}-positions", partitions=partitions or self.partitions,
                               default=None, key_type=str)  # fmt: skip
        positions = Positions(agent, frozenset(topics), table, self.reader,
                              self._fetcher_skipped, self._committed_seek)  # fmt: skip
        self.guards.append(positions)
        return positions

    def _fetcher_skipped(self, topic: str, partition: int, start: int, end: int) -> bool:
        skips: FetchSkips | None = getattr(self.app.consumer, "fetch_skips", None)
        return skips is not None and skips.covers(topic, partition, start, end)

    def _committed_seek(self, topic: str, partition: int) -> Seek | None:
        seeks: CommittedSeeks | None = getattr(self.app.consumer, "committed_seeks", None)
        return None if seeks is None else seeks.last(topic, partition)

    def watch(self, every_s: float = TAIL_LOOK_S) -> None:
        self.app.timer(every_s, name="position-tails")(self.look_at_tails)
        stop_at_shutdown(self.app, self.reader.stop)

    def picture(self) -> str:
        """Its view of the tails, for the SIGUSR1 picture (injuryhub/stacks.py)."""
        lines = ["POSITION KEEPER"]
        for tp, (last, looks) in sorted(self._sent_back.items()):
            lines.append(f"  sent back {tp[0]}[{tp[1]}] after {last}, looks since: {looks}, "
                         f"last handled now: {self._last_handled(*tp)}")  # fmt: skip
        for tp, (last, end) in sorted(self._clean.items()):
            lines.append(f"  only markers {tp[0]}[{tp[1]}] between {last} and {end}")
        return "\n".join(lines)

    def _last_handled(self, topic: str, partition: int) -> int:
        """The least of the guards reading ``topic`` (-1: one has handled nothing there)."""
        lasts = [g.last(topic, partition) for g in self.guards if topic in g.topics]
        return min(-1 if last is None else last for last in lasts)

    async def look_at_tails(self) -> list[Partition]:
        """Sends Faust's consumer back on each partition whose committed offset passed a message
        no guard handled; returns those partitions. (Faust commits an offset only once every
        agent reading it is done with it, and each guard records a message before that.)"""
        if self.app.rebalancing or self.app.in_recovery:
            return []  # the position tables are not whole yet
        guarded = {topic for g in self.guards for topic in g.topics}
        assigned = sorted((tp.topic, tp.partition) for tp in self.app.consumer.assignment()
                          if tp.topic in guarded)  # fmt: skip
        if not assigned:
            return []
        committed = await self.reader.committed(self.app.conf.id, assigned)
        sent_back: list[Partition] = []
        for tp in assigned:
            last, end = self._last_handled(*tp), committed.get(tp, 0)
            if end <= last + 1 or self._clean.get(tp) == (last, end):
                continue
            sent_at, looks = self._sent_back.get(tp, (None, 0))
            if sent_at == last and looks < RESEND_AFTER_LOOKS:
                self._sent_back[tp] = (last, looks + 1)
                continue  # being read again
            if not await self.reader.read(*tp, last + 1, end, limit=1):
                self._clean[tp] = (last, end)  # only markers: no need to read it again
                continue
            log.warning("%s[%d]: messages after offset %d were committed but never handled; "
                        "reading them again", *tp, last)  # fmt: skip
            # In the consumer's own thread, waiting for it: a seek from outside can be lost.
            await self.app.consumer.seek_wait({TP(*tp): last + 1})
            self._sent_back[tp] = (last, 1)
            sent_back.append(tp)
        return sent_back
