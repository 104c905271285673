"""Readers outside Faust (streams/faust_app.py, ``stop_at_shutdown``) are stopped when the app
sends its before-shutdown signal, as a worker's stop does."""

from __future__ import annotations

import faust

from streams.faust_app import stop_at_shutdown


async def test_the_stop_runs_when_the_app_shuts_down(hub_app: faust.App) -> None:
    stopped: list[str] = []

    async def stop() -> None:
        stopped.append("reader")

    stop_at_shutdown(hub_app, stop)
    assert stopped == []
    await hub_app.on_before_shutdown.send()
    assert stopped == ["reader"]
