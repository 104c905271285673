"""The slice agent's logic in Faust's test context (no broker: the source is an in-memory
channel and the result topic's send is replaced, since nothing is produced here)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from unittest.mock import AsyncMock, patch

import faust
import pytest

from agents.intake import IntakeTopics, register_intake_counter
from streams.faust_app import make_app
from streams.settings import HubSettings


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[faust.App]:
    app = make_app(
        HubSettings(state_dir=tmp_path),
        app_id="intake-unit",
        store="memory://",
        loop=asyncio.get_running_loop(),
    )
    yield app
    # Faust's consumer makes an event loop for its thread even when, as here, the thread never
    # starts; close it so it is not left for the garbage collector.
    consumer_thread = getattr(app.consumer, "_thread", None)
    if consumer_thread is not None:
        consumer_thread.thread_loop.close()


async def test_counts_per_key_and_publishes_each_new_count(app: faust.App) -> None:
    counter = register_intake_counter(
        app, IntakeTopics("dept.emergency.accident-report.v1", "hub.intake-counts", 6)
    )
    published = AsyncMock()
    with patch.object(counter.result, "send", published):
        async with counter.agent.test_context() as agent:
            for key in (b"ent-a", b"ent-b", b"ent-a", b"ent-a"):
                await agent.put(b"{}", key=key)

            assert counter.counts[b"ent-a"] == 3
            assert counter.counts[b"ent-b"] == 1
            assert b"ent-c" not in counter.counts

    sent = [
        (call.kwargs["key"], json.loads(call.kwargs["value"])) for call in published.await_args_list
    ]
    assert [(key, body["count"]) for key, body in sent] == [
        (b"ent-a", 1),
        (b"ent-b", 1),
        (b"ent-a", 2),
        (b"ent-a", 3),
    ]
    assert sent[0][1] == {
        "key": "ent-a",
        "count": 1,
        "source": "dept.emergency.accident-report.v1",
    }
