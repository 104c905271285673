"""The hub's table recovery (streams/faust_recovery.py) on an app that never starts: Faust's
answers, its records applied once each and in order, and the paused changelog fetched again
before the buffer runs dry."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust
from faust.tables.recovery import Recovery
from faust.types import TP
from faust.types.tuples import Message

from streams.faust_app import make_app
from streams.faust_recovery import (
    CHANGELOG_BUFFER,
    HubRecovery,
    HubTableManager,
    _changelog_channel,
)
from streams.settings import HubSettings

CHANGELOG = TP("unit-cells-changelog", 0)


class FakeTable:
    """What the recovery asks of a table: its buffer size, its store's batch and the hook."""

    recovery_buffer_size = 3
    standby_buffer_size = 3

    def __init__(self) -> None:
        self.applied: list[int] = []

    def apply_changelog_batch(self, batch: list[Any]) -> None:
        self.applied.extend(event.message.offset for event in batch)

    async def on_changelog_event(self, event: Any) -> None:
        return None


def _record(offset: int) -> Any:
    message = Message(CHANGELOG.topic, CHANGELOG.partition, offset, 0.0, 0, None, b"k", b"v",
                      None)  # fmt: skip
    return SimpleNamespace(message=message)


def _tables(app: faust.App) -> HubTableManager:
    assert isinstance(app.tables, HubTableManager)
    return app.tables


def _recovering(app: faust.App, table: FakeTable, last_offset: int) -> HubRecovery:
    recovery = _tables(app).recovery
    assert isinstance(recovery, HubRecovery)
    recovery.active_tps.add(CHANGELOG)
    recovery.tp_to_table[CHANGELOG] = table  # type: ignore[assignment]
    recovery.active_highwaters[CHANGELOG] = last_offset
    recovery._set_recovery_started()
    return recovery


async def _slurp_until_recovered(recovery: HubRecovery) -> None:
    slurping = asyncio.ensure_future(HubRecovery._slurp_changelogs(recovery))
    try:
        await asyncio.wait_for(recovery.signal_recovery_end.wait(), timeout=5)
    finally:
        slurping.cancel()


async def test_need_recovery_answers_as_faust_does_while_offsets_grow(hub_app: faust.App) -> None:
    recovery = _tables(hub_app).recovery
    chosen = random.Random(7)
    partitions = [TP(f"t{n}-changelog", p) for n in range(5) for p in range(6)]
    for tp in partitions:
        recovery.active_highwaters[tp] = chosen.choice([-1, 0, chosen.randrange(1, 30)])
        recovery.active_offsets[tp] = -1
    answers = []
    for _ in range(5000):
        tp = chosen.choice(partitions)
        recovery.active_offsets[tp] += chosen.randrange(0, 3)
        faust_says = Recovery.need_recovery(recovery)
        assert recovery.need_recovery() == faust_says
        answers.append(faust_says)
    assert answers[0] and not answers[-1]  # both answers were asked for


async def test_every_record_is_applied_once_in_order_and_the_end_is_signalled(
    hub_app: faust.App,
) -> None:
    table = FakeTable()
    recovery = _recovering(hub_app, table, last_offset=9)
    queue = _tables(hub_app).changelog_queue
    for offset in [0, 1, 2, 3, 4, 4, 2, 5, 6, 7, 8, 9]:  # two read again after a seek
        queue.put_nowait(_record(offset))
    await _slurp_until_recovered(recovery)
    assert table.applied == list(range(10))  # the last, short buffer flushed at the end
    assert not recovery.in_recovery


async def test_a_paused_changelog_is_fetched_again_before_the_buffer_runs_dry(
    hub_app: faust.App,
) -> None:
    """Faust's ``queue.get`` resumes a partition paused at 80 % of the buffer only once the
    buffer is empty; the recovery would then wait for a fetch from the broker each time."""
    table = FakeTable()
    records = CHANGELOG_BUFFER
    recovery = _recovering(hub_app, table, last_offset=records - 1)
    queue = _tables(hub_app).changelog_queue
    resumed_with: list[int] = []
    paused: list[bool] = []
    for offset in range(records):
        queue.put_nowait_enhanced(
            _record(offset),
            on_pressure_high=lambda: paused.append(True),
            on_pressure_drop=lambda: resumed_with.append(queue.qsize()),
        )
    assert paused
    await _slurp_until_recovered(recovery)
    assert table.applied == list(range(records))
    assert resumed_with and resumed_with[0] > 0


async def test_a_rocksdb_table_reads_its_changelog_raw_a_memory_table_decoded(
    hub_app: faust.App, tmp_path: Path
) -> None:
    message = Message("t-changelog", 0, 0, 0.0, 0, None, b'"cell|1"', b'{"x": 1.0}', None)
    in_memory = hub_app.Table("in-memory", default=None, key_type=str)
    decoded = await _changelog_channel(in_memory, asyncio.Queue()).decode(message)
    assert (decoded.key, decoded.value) == ("cell|1", {"x": 1.0})

    rocks_app = make_app(HubSettings(state_dir=tmp_path / "rocks"), app_id="recovery-rocks",
                         loop=asyncio.get_running_loop())  # fmt: skip
    in_rocksdb = rocks_app.Table("in-rocksdb", default=None, key_type=str)
    raw = await _changelog_channel(in_rocksdb, asyncio.Queue()).decode(message)
    assert (raw.key, raw.value) == (b'"cell|1"', b'{"x": 1.0}')
    rocks_app.consumer._thread.thread_loop.close()  # type: ignore[attr-defined]
