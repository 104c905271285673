"""Offset ranges a consumer's fetcher stepped over between two messages it delivered from one
fetch: transaction markers and aborted records, which a ``read_committed`` consumer never
delivers, and nothing else.

A guarded agent (agents/positions.py) reads each gap in its offsets directly, to catch a
message Faust's consumer fetched but never handed to it. On the department topics nearly every
gap is a connector's commit marker, and a replayed year leaves thousands: each read a seek and a
fetch, 27 % of the alerts half's CPU in the scale-1 year (py-spy, 2 December). A gap that the
fetcher itself stepped over, between two messages of the same fetch, holds nothing to read.
A gap across two fetches, or past a seek, is not recorded here and is still read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

#: ranges remembered; the guards ask about a gap moments after the fetcher saw it
RANGES_KEPT = 50_000


class FetchSkips:
    """The most recent ``kept`` ranges the fetcher stepped over, half-open [start, end)."""

    def __init__(self, kept: int = RANGES_KEPT) -> None:
        self.kept = kept
        self._ranges: dict[tuple[str, int, int, int], None] = {}

    def add(self, topic: str, partition: int, start: int, end: int) -> None:
        if len(self._ranges) >= self.kept:
            del self._ranges[next(iter(self._ranges))]  # the oldest: dicts keep insertion order
        self._ranges[(topic, partition, start, end)] = None

    def covers(self, topic: str, partition: int, start: int, end: int) -> bool:
        """Whether [start, end) of the partition is exactly a range the fetcher stepped over:
        a guard's gap that only partly matches may hold a message the fetcher delivered."""
        return (topic, partition, start, end) in self._ranges

    def __len__(self) -> int:
        return len(self._ranges)


def note_skips(skips: FetchSkips, fetched: Mapping[Any, Sequence[Any]]) -> None:
    """Records, in ``skips``, every gap between two consecutive records of one partition in
    ``fetched`` (what one poll of the consumer returned, by partition, in log order)."""
    for tp, records in fetched.items():
        for before, after in pairwise(records):
            if after.offset > before.offset + 1:
                skips.add(tp.topic, tp.partition, before.offset + 1, after.offset)
