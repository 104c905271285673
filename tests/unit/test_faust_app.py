"""The worker's Faust app as make_app configures it (streams/faust_app.py); nothing started."""

from __future__ import annotations

import asyncio
from pathlib import Path

from streams.faust_app import make_app
from streams.settings import HubSettings


async def test_the_workers_producer_lingers_as_set(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    lingering = make_app(HubSettings(state_dir=tmp_path, worker_linger_s=0.025), loop=loop)
    default = make_app(HubSettings(state_dir=tmp_path), app_id="default", loop=loop)

    assert lingering.producer.linger_ms == 25  # what the aiokafka producer is built with
    assert default.producer.linger_ms == 10
