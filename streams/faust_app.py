"""The Faust application the hub's agents register on."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import faust

from streams.faust_recovery import HubTableManager
from streams.faust_transport import SCHEME
from streams.settings import HubSettings

SESSION_TIMEOUT_S = 10.0
HEARTBEAT_S = 2.0


def _instance_id(app_id: str, stores: Path) -> str:
    """Stable across restarts of one worker, distinct between workers (each has its stores)."""
    digest = hashlib.sha256(f"{socket.gethostname()}:{stores}".encode()).hexdigest()[:12]
    return f"{app_id}-{digest}"


def table_store_dir(settings: HubSettings) -> Path:
    """Where workers keep their table stores: local caches of the changelog topics, worthless
    (and harmful: Faust refuses offsets the topics no longer have) once the cluster is gone."""
    return settings.state_dir.resolve() / "worker"


def make_app(
    settings: HubSettings,
    app_id: str | None = None,
    store: str = "rocksdb-hub://",
    loop: asyncio.AbstractEventLoop | None = None,
) -> faust.App:
    """A Faust app on the configured brokers with RocksDB (rocksdict) table stores by default
    (Faust's, without its garbage collections at rebalances: streams/faust_store.py);
    unit tests pass ``memory://`` and their running loop (else mode makes a loop of its own that
    nobody closes).

    The app id names the consumer group and prefixes the changelog topics; table stores live
    under ``<state_dir>/worker/<app id>`` so a restarted worker finds them again.
    """
    app_id = app_id or settings.app_id
    stores = table_store_dir(settings) / app_id
    stores.parent.mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    return faust.App(
        app_id,
        # Committed messages only (streams/faust_transport.py).
        broker=[f"{SCHEME}://{server}" for server in settings.bootstrap_list],
        broker_credentials=settings.kafka_auth.faust_credentials(),
        store=store,
        # Recovery without per-record costs that kept a cold start at ~10,000 records/s.
        TableManager=HubTableManager,
        # One folder per app id: apps sharing one would read each other's stores.
        datadir=str(stores),
        topic_replication_factor=settings.replication_factor,
        # Every topic the agents read comes from the catalogue; only Faust's own changelog and
        # repartition topics are created by Faust.
        topic_allow_declare=True,
        autodiscover=False,
        web_enabled=False,
        # A worker restarted after a crash gets its partitions back only once the group has
        # given up on its dead self: Faust's 60 s default made every restart take a minute.
        broker_session_timeout=SESSION_TIMEOUT_S,
        # Static membership: a worker restarted on its own stores takes its partitions back
        # without a rebalance (rebalances with events in flight are where Faust loses track).
        consumer_group_instance_id=_instance_id(app_id, stores),
        broker_heartbeat_interval=HEARTBEAT_S,
        # Faust's default sends each message at once: a produce request, and a socket write
        # with the broker's receive on loopback, per handful of messages (28 % of the
        # aggregates half's CPU in a scale-10 year, py-spy); 10 ms: P3 at scale 0.2 75-78 s ->
        # 60-66 s (docs/benchmarks.md).
        producer_linger=settings.worker_linger_s,
        loop=loop,
    )


def stop_at_shutdown(app: faust.App, stop: Callable[[], Awaitable[None]]) -> None:
    """Runs ``stop`` (a reader's or consumer's own, outside Faust) before the app shuts down."""

    async def stopping(*_: Any, **__: Any) -> None:
        await stop()

    app.on_before_shutdown.connect(stopping)
