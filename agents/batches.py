"""Guarded agents that handle their stream in batches, not message by message.

Faust's per-message path (a stream step, an acknowledgement, a position write, a send) costs more
than most of the hub's handling itself; a batch pays the position write once per partition and
lets a handler send one message where it would have sent many.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import faust
from faust.streams import _current_event  # the context variable tables read the event from

from agents.positions import BatchHandler, Positions

#: a batch is up to this many messages, waiting at most BATCH_WITHIN_S for them: a burst is
#: then handled together, and a lone message waits no longer than that
BATCH_MAX = 500
BATCH_WITHIN_S = 0.2
#: the same for the stages between a department event and its alert, where each stage's wait
#: adds to the alert's latency
ALERT_WITHIN_S = 0.05


@contextmanager
def processing(event: Any) -> Iterator[None]:
    """Makes ``event`` the one being processed, in this task only. A table sends each write to
    the changelog partition of that event (faust/tables/base.py, ``partition_for_key``), and a
    batch has none of its own; the stream's own ``current_event`` is left to the batching."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def by_partition(events: list[Any]) -> list[list[Any]]:
    """The events of each partition number, in the order they came: the topics an agent reads
    are co-partitioned with its tables, so those of one number share a changelog partition."""
    grouped: dict[int, list[Any]] = {}
    for event in events:
        grouped.setdefault(event.message.partition, []).append(event)
    return list(grouped.values())


async def guarded_batches(
    stream: faust.StreamT[bytes],
    guard: Positions,
    handler: BatchHandler,
    within_s: float = BATCH_WITHIN_S,
    batch_max: int = BATCH_MAX,
) -> AsyncIterator[int]:
    """``handler`` on each batch of one partition's messages, behind ``guard``; yields what it
    returns. A table written in ``handler`` writes to that partition's changelog. ``within_s``:
    the longest a message waits for others to join its batch."""
    # (StreamT does not declare take_events; faust.Stream has it)
    batches = stream.take_events(batch_max, within=within_s)  # type: ignore[attr-defined]
    async for batch in batches:
        for events in by_partition(batch):
            with processing(events[-1]):
                yield await guard.handle_batch([event.message for event in events], handler)
