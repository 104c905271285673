"""Where a running worker's consumer stands, for the SIGUSR1 picture (injuryhub/stacks.py).

A stalled worker's stacks show only that its fetcher waits; this says for which partitions:
Faust's flow state and partition sets (active, paused, buffered: a partition in none of the
fetched ones is never read), and per assigned partition aiokafka's position, Faust's read
offset and its commit bookkeeping (the committed offset; how many acknowledged offsets wait to
be committed, and the least of them; how many gaps it knows of). Read from another thread
without locks: a picture, not a proof.
"""

from __future__ import annotations

from typing import Any


def _names(tps: Any) -> str:
    return ", ".join(sorted(f"{tp.topic}[{tp.partition}]" for tp in tps or ())) or "-"


def _head(acked: list[int]) -> str:
    """The least acknowledged offsets: where a gap holds the commits back."""
    return f" from {sorted(acked)[:3]}" if acked else ""


def _partition_line(tp: Any, consumer: Any, aio: Any) -> str:
    acked = list(consumer._acked.get(tp, ()))
    state = aio._subscription.subscription.assignment.state_value(tp)
    records = aio._fetcher._records.get(tp)  # fetched, not yet handed to Faust
    waiting = None if records is None else type(records).__name__
    position = state.position if state is not None and state.has_valid_position else None
    return (f"  {tp.topic}[{tp.partition}] position={position} "
            f"paused={getattr(state, 'paused', None)} "
            f"awaiting_reset={getattr(state, 'awaiting_reset', None)} "
            f"read_offset={consumer._read_offset.get(tp)} "
            f"committed={consumer._committed_offset.get(tp)} "
            f"acked={len(acked)}{_head(acked)} "
            f"gaps={len(consumer._gap.get(tp, ()))} "
            f"fetched_waiting={waiting}")  # fmt: skip


def consumer_picture(app: Any) -> str:
    """The lines of the picture; whatever cannot be read says why instead of failing."""
    try:
        consumer = app.consumer
        aio = consumer._thread._consumer
        lines = [
            "CONSUMER",
            f"  rebalancing={app.rebalancing} in_recovery={app.in_recovery} "
            f"flow_active={consumer.flow_active} suspend_flow={consumer.suspend_flow.is_set()} "
            f"flow_control_active={app.flow_control.is_active()}",
            f"  active: {_names(consumer._active_partitions)}",
            f"  paused (Faust): {_names(consumer._paused_partitions)}",
            f"  buffered: {_names(consumer._buffered_partitions)}",
            f"  unacked: {len(consumer._unacked_messages)}",
        ]
        assignment = aio._subscription.subscription
        tps = sorted(assignment.assignment.tps if assignment and assignment.assignment else ())
        lines += [_partition_line(tp, consumer, aio) for tp in tps]
        return "\n".join(lines)
    except Exception as exc:
        return f"CONSUMER (not readable: {exc!r})"
