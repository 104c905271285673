"""Fixtures of the unit tests (no broker)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import faust
import pytest

from streams.faust_transport import ReadCommittedConsumer, Transport
from tests.faust_context import hub_app as make_hub_app

NOWHERE = "kafka://127.0.0.1:1"


async def _nothing(*_: object, **__: object) -> None:
    return None


@pytest.fixture
async def hub_app(tmp_path: Path) -> AsyncIterator[faust.App]:
    """A Faust app for agents in its test context, on memory stores."""
    async for app in make_hub_app(tmp_path):
        yield app


@pytest.fixture
async def unstarted_consumer() -> AsyncIterator[ReadCommittedConsumer]:
    """The hub's worker consumer, made but never started (its broker is nowhere)."""
    loop = asyncio.get_running_loop()
    app = faust.App("unstarted", broker=NOWHERE, loop=loop)
    made = ReadCommittedConsumer(Transport([NOWHERE], app, loop=loop), callback=_nothing,
                                 on_partitions_revoked=_nothing,
                                 on_partitions_assigned=_nothing, loop=loop)  # fmt: skip
    yield made
    made._thread.thread_loop.close()  # the consumer thread's own loop, made at construction
