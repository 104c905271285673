"""The first end-to-end slice: count the events on one department topic per key.

Each new count is written to a compacted result topic, so a reader sees the latest count of each
key. The key is the enterprise id, as on every per-enterprise topic.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import faust

AGENT_NAME = "intake-counter"
TABLE_NAME = "intake-counts"


@dataclass(frozen=True)
class IntakeTopics:
    source: str
    result: str
    partitions: int  # of the source topic; the table's changelog must match it


@dataclass(frozen=True)
class IntakeCounter:
    agent: Any
    counts: Any  # faust.Table[bytes, int]
    result: Any  # faust.TopicT


def register_intake_counter(app: faust.App, topics: IntakeTopics) -> IntakeCounter:
    source = app.topic(topics.source, key_type=bytes, value_type=bytes, value_serializer="raw")
    result = app.topic(topics.result, key_type=bytes, value_type=bytes, value_serializer="raw")
    # Typed keys: untyped, a restarted worker read USCC keys back as JSON ("Extra data").
    counts = app.Table(TABLE_NAME, default=int, key_type=bytes, partitions=topics.partitions)

    async def count_events(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for key, _value in stream.items():
            counts[key] += 1
            summary = {"key": key.decode(), "count": counts[key], "source": topics.source}
            await result.send(key=key, value=json.dumps(summary).encode())
            yield counts[key]

    agent = app.agent(source, name=AGENT_NAME)(count_events)
    return IntakeCounter(agent=agent, counts=counts, result=result)
