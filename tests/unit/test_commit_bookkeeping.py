"""Faust's commit bookkeeping on a topic written in transactions (streams/faust_transport.py,
``stepped_over``): Faust's own ``ack``, ``_add_gap`` and ``_new_offset`` on an unstarted
consumer, fed the gaps as the hub's fetch loop gives them."""

from __future__ import annotations

import pytest
from faust.types import TP
from faust.types.tuples import Message

from streams.faust_transport import ReadCommittedConsumer, stepped_over

#: a connector's partition: 83 records, then its transaction's commit marker, again and again
TRANSACTION = 84
DEPT = TP("dept.hrss.insured-headcount.v1", 0)


def _records(up_to: int) -> list[int]:
    return [offset for offset in range(up_to) if offset % TRANSACTION != TRANSACTION - 1]


async def _read_and_acknowledge(consumer: ReadCommittedConsumer, offsets: list[int]) -> None:
    """What the fetch loop notes of each record, then the record handled and acknowledged."""
    read_offset = consumer._read_offset.get(DEPT)
    for offset in offsets:
        if gap := stepped_over(read_offset, offset):
            await consumer._add_gap(DEPT, *gap)
        message = Message(DEPT.topic, DEPT.partition, offset, 0.0, 0, None, b"k", b"v", None)
        assert consumer.ack(message)
        read_offset = offset
    consumer._read_offset[DEPT] = read_offset


def _commit(consumer: ReadCommittedConsumer) -> int | None:
    """What Faust commits now (``_filter_committable_offsets``), taken as committed."""
    committed = consumer._filter_committable_offsets([DEPT]).get(DEPT)
    if committed is not None:
        consumer._committed_offset[DEPT] = committed
    return committed


@pytest.fixture
def consumer(
    unstarted_consumer: ReadCommittedConsumer, monkeypatch: pytest.MonkeyPatch
) -> ReadCommittedConsumer:
    monkeypatch.setattr(unstarted_consumer.app.topics, "acks_enabled_for", lambda topic: True)
    return unstarted_consumer


def test_only_the_offsets_between_two_records_are_stepped_over() -> None:
    assert stepped_over(82, 84) == (83, 83)
    assert stepped_over(100, 600) == (101, 599)  # an aborted batch and its marker
    assert stepped_over(82, 83) is None
    assert stepped_over(None, 5) is None  # the first record read: nothing known before it


async def test_a_commit_passes_every_transaction_marker_read_since_the_last(
    consumer: ReadCommittedConsumer,
) -> None:
    records = _records(2000)
    await _read_and_acknowledge(consumer, records[:300])
    assert _commit(consumer) == records[299] + 1

    await _read_and_acknowledge(consumer, records[300:])
    assert _commit(consumer) == records[-1] + 1
    assert consumer._acked[DEPT] == []  # nothing left to sort at the next commit


async def test_a_marker_right_at_the_committed_offset_does_not_hold_the_commit(
    consumer: ReadCommittedConsumer,
) -> None:
    records = _records(400)
    await _read_and_acknowledge(consumer, records[:83])  # the first transaction, up to its marker
    assert _commit(consumer) == TRANSACTION - 1

    await _read_and_acknowledge(consumer, records[83:])
    assert _commit(consumer) == records[-1] + 1
