"""The consumer's wait before a rebalance (streams/faust_transport.py), on a consumer that is
never started: its assignment and commits are stood in for, the waiting is Faust's own."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from faust.types import TP
from faust.types.tuples import Message

from streams import faust_transport
from streams.faust_transport import ReadCommittedConsumer


async def _nothing(*_: object, **__: object) -> None:
    return None


@pytest.fixture
def consumer(unstarted_consumer: ReadCommittedConsumer) -> ReadCommittedConsumer:
    made = unstarted_consumer
    made.assignment = lambda: {TP("dept", 0), TP("dept", 2)}  # type: ignore[method-assign]
    made.commit = _nothing  # type: ignore[method-assign,assignment]
    made.commit_and_end_transactions = _nothing  # type: ignore[method-assign]
    return made


def _taken(consumer: ReadCommittedConsumer, partition: int, offset: int) -> Message:
    message = Message("dept", partition, offset, 0.0, 0, None, b"k", b"v", None)
    consumer._unacked_messages.add(message)
    return message


async def test_a_message_of_a_partition_given_away_earlier_is_not_waited_for(
    consumer: ReadCommittedConsumer, caplog: pytest.LogCaptureFixture
) -> None:
    kept = _taken(consumer, 5, 7)  # a strong reference: no garbage collection saves the day
    began = time.monotonic()
    await consumer.wait_empty()
    assert time.monotonic() - began < 0.5
    assert kept not in consumer._unacked_messages
    assert "not waiting for dept[5]@7: partitions given away" in caplog.text


async def test_a_message_in_flight_here_is_waited_for_until_acknowledged(
    consumer: ReadCommittedConsumer,
) -> None:
    in_flight = _taken(consumer, 2, 40)

    async def finish() -> None:
        await asyncio.sleep(0.3)
        in_flight.acked = True

    finishing = asyncio.create_task(finish())
    began = time.monotonic()
    await consumer.wait_empty()
    assert time.monotonic() - began >= 0.3
    assert not consumer._unacked_messages
    await finishing


async def test_the_wait_is_bounded_and_says_what_it_left(
    consumer: ReadCommittedConsumer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(faust_transport, "STREAM_WAIT_S", 0.5)
    stuck = _taken(consumer, 0, 3)
    with caplog.at_level(logging.WARNING, "streams.faust_transport"):
        await consumer.wait_empty()
    assert stuck in consumer._unacked_messages  # not acknowledged: its offset stays uncommitted
    assert (
        "going on with the rebalance after 0 s; still unacknowledged, so not committed "
        "(read again later): dept[0]@3"
    ) in caplog.text


async def test_at_the_workers_stop_the_wait_is_the_short_one(
    consumer: ReadCommittedConsumer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A message the stop's flow suspension caught on its way to a stream is never handled: the
    stop must not wait the rebalance's minute for it (a worker stopped just after its start
    hung so, two times in three)."""
    monkeypatch.setattr(faust_transport, "STOP_WAIT_S", 0.3)
    app: Any = consumer.app
    app._stopped.set()  # as mode's Service.stop does before the app's on_stop
    stuck = _taken(consumer, 0, 3)
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, "streams.faust_transport"):
        await consumer.wait_empty()
    assert 0.3 <= time.monotonic() - began < faust_transport.STREAM_WAIT_S
    assert stuck in consumer._unacked_messages
    assert "going on with the stop after 0 s" in caplog.text
