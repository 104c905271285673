"""Each partition's committed offset as the consumer last sought to it (Faust does at each start,
after each rebalance's recovery, and whenever it fetched while its flow was stopped).

A guarded agent's positions (agents/positions.py) can be ahead of what its results made durable:
the position table's changelog write may reach the broker before the last batches of what the
agent sent, as the producer sends one batch per partition at a time and a partition of
snapshots may have several waiting. In one worker that is harmless: Faust flushes the producer
before each commit, and a restarted worker reads again from the committed offset. But past the
committed offset a position a killed worker left may name messages whose results the kill lost;
were Faust's consumer then to pass over those messages too, nothing would handle them again. So
from each seek to the committed offsets until a guard next records a position there, the guard
trusts a position only up to the committed offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the committed offset of a partition at the consumer's last seek there, and that seek's number
Seek = tuple[int, int]


class CommittedSeeks:
    """The committed offsets of the consumer's seeks, numbered in order (1, 2, ...)."""

    def __init__(self) -> None:
        self._seeks = 0
        self._offsets: dict[tuple[str, int], Seek] = {}

    def note(self, committed: Mapping[Any, int | None]) -> None:
        """One seek to ``committed`` (topic partition -> committed offset; None: none yet, the
        consumer starts from the earliest, and no position is trusted)."""
        self._seeks += 1
        for tp, offset in committed.items():
            self._offsets[(tp.topic, tp.partition)] = (offset or 0, self._seeks)

    def last(self, topic: str, partition: int) -> Seek | None:
        return self._offsets.get((topic, partition))
