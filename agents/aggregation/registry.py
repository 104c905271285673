"""Where each enterprise is (district, industry): the worker's global table of the registry, and,
for an enterprise the table does not hold yet, the compacted registry topic read directly.

Why the direct read: Faust suspends every stream during a rebalance, the registry's agent too, and
then waits for the events in flight to finish. An event waiting for its enterprise to reach the
table waited for an agent that could not run, and the rebalance never finished (two workers
starting together hung this way). A plain consumer of ``hub.enterprises`` is not suspended.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import KafkaError

from streams.clients import TopicTail
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import DecodeError, decode
from streams.kafka_auth import KafkaAuth

log = logging.getLogger(__name__)
Place = tuple[str, str]
#: a direct read at most this often; callers in between share the last one
MIN_REFRESH_S = 1.0
RETRY_S = 0.5
#: how long an event waits for its enterprise to reach the registry before the worker stops
REGISTRY_WAIT_S = 60.0


@dataclass
class RegistryTopic:
    """The registry as its compacted topic holds it, read on demand: each read takes only what
    was written since the last (one consumer kept open; reading the whole topic at every call
    decoded 20,000 enterprises of a Qingdao-sized year each time); ``stop`` closes it."""

    bootstrap: str
    auth: KafkaAuth
    topic: str
    registry: SchemaRegistry
    places: dict[str, Place] = field(default_factory=dict)
    _read_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tail: TopicTail | None = None

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._read_at < MIN_REFRESH_S:
                return
            self._read_at = time.monotonic()
            try:
                if self._tail is None:
                    self._tail = TopicTail(self.bootstrap, self.topic, auth=self.auth)
                records = await self._tail.new()
            except (KafkaError, LookupError, OSError) as error:
                log.warning("could not read the registry topic %s: %s", self.topic, error)
                return
            for record in records:
                try:
                    _, enterprise = decode(self.registry, record.value or b"")
                except DecodeError:
                    continue  # the registry agent dead-letters it
                self.places[enterprise["uscc"]] = (enterprise["district"], enterprise["industry"])

    async def stop(self) -> None:
        async with self._lock:
            if self._tail is not None:
                await self._tail.stop()


@dataclass(frozen=True)
class HubInputs:
    """What several of the hub's agents read: the department topics and the enterprise places."""

    sources: Any  # faust.TopicT over every department topic
    places: Any  # faust.GlobalTable[str, list[str]]: USCC -> [district, industry]
    registry_topic: RegistryTopic

    def place(self, uscc: str) -> Place | None:
        # The table's store answers in one look-up; the table's own get asks it twice (``in``,
        # then the value), and on a global table each ask tries every partition's database:
        # the ``in`` alone was 5 % of the aggregates half's CPU (py-spy, a scale-10 year).
        found = getattr(self.places, "data", self.places).get(uscc)
        if found:
            return (found[0], found[1])
        return self.registry_topic.places.get(uscc)

    async def resolve(self, uscc: str, wait_s: float) -> Place | None:
        """Its place, reading the registry topic while it is unknown, for up to ``wait_s``
        (at least once); None if the registry still lacks it."""
        deadline = time.monotonic() + wait_s
        while (found := self.place(uscc)) is None:
            await self.registry_topic.refresh()
            if (found := self.place(uscc)) is not None or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(RETRY_S)
        return found
