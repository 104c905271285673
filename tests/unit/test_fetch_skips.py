"""What the consumer's fetcher stepped over (streams/fetch_skips.py): gaps between records of
one poll only, exact ranges only, bounded; and a guarded agent reads no gap the fetcher stepped
over but still reads every other (agents/positions.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from faust.types import TP

from agents.positions import Positions
from streams.fetch_skips import FetchSkips, note_skips
from tests.support import Handled, MemoryLog

TOPIC = MemoryLog.TOPIC


def _records(*offsets: int) -> list[Any]:
    return [SimpleNamespace(offset=offset) for offset in offsets]


def test_gaps_between_records_of_one_poll_are_noted_per_partition() -> None:
    skips = FetchSkips()
    note_skips(skips, {TP(TOPIC, 0): _records(3, 4, 6, 9), TP(TOPIC, 1): _records(0, 1)})
    assert skips.covers(TOPIC, 0, 5, 6)
    assert skips.covers(TOPIC, 0, 7, 9)
    assert len(skips) == 2
    # across two polls nothing is known: the gap 10..11 is not noted
    note_skips(skips, {TP(TOPIC, 0): _records(12)})
    assert not skips.covers(TOPIC, 0, 10, 12)


def test_only_an_exact_range_counts() -> None:
    skips = FetchSkips()
    skips.add(TOPIC, 0, 5, 6)
    skips.add(TOPIC, 0, 7, 9)
    assert not skips.covers(TOPIC, 0, 5, 9)  # offset 6 was delivered: it may be the lost one
    assert not skips.covers(TOPIC, 1, 5, 6)
    assert not skips.covers(TOPIC, 0, 5, 7)


def test_the_oldest_ranges_are_forgotten_first() -> None:
    skips = FetchSkips(kept=2)
    for start in (1, 3, 5):
        skips.add(TOPIC, 0, start, start + 1)
    assert [skips.covers(TOPIC, 0, s, s + 1) for s in (1, 3, 5)] == [False, True, True]


async def test_a_guard_reads_no_gap_the_fetcher_stepped_over_and_every_other() -> None:
    log = MemoryLog()
    first = log.append(0, b"m")
    log.append(0, None)  # a commit marker the fetcher stepped over
    second = log.append(0, b"m")
    lost = log.append(0, b"m")  # fetched, never handed to the agent
    third = log.append(0, b"m")
    skips = FetchSkips()
    note_skips(skips, {TP(TOPIC, 0): [first, second, lost, third]})
    positions, handled = Positions("unit", frozenset({TOPIC}), {}, log, skips.covers), Handled()

    for message in (first, second, third):
        await positions.handle(message, handled)

    assert handled.offsets == [0, 2, 3, 4]
    assert log.reads == [((TOPIC, 0), 3, 4)]  # the marker's gap was not read
