"""Hub agents in Faust's test context: no broker, in-memory channels and memory tables, every
topic send captured (``Sent``), and the app fixture (``hub_app``, in tests/unit/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust

from agents.aggregation.agent import AggregationTopics
from agents.positions import PositionKeeper
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.faust_app import make_app
from streams.settings import HubSettings
from tests.examples import example_record
from tests.support import MemoryLog

REGISTRY = load_registry(HubSettings().schemas_path)
USCC = "91370211MA3C5LXX0K"
NOW = datetime(2025, 5, 20, 9, 0, tzinfo=UTC)
# the registry agent knows every enterprise before it is needed
NO_BROKER = HubSettings(bootstrap_servers="127.0.0.1:1")
APP_ID = "aggregation-unit"
TOPICS = AggregationTopics(("dept.a", "dept.b"), "hub.enterprises", "hub.aggregates",
                           "hub.dlq.hub", 3)  # fmt: skip


async def hub_app(tmp_path: Path) -> AsyncIterator[faust.App]:
    app = make_app(HubSettings(state_dir=tmp_path), app_id=APP_ID,
                   store="memory://", loop=asyncio.get_running_loop())  # fmt: skip
    yield app
    consumer_thread = getattr(app.consumer, "_thread", None)
    if consumer_thread is not None:
        consumer_thread.thread_loop.close()


def keeper(app: faust.App) -> PositionKeeper:
    """Every message the tests put is delivered: there is nothing to read directly."""
    return PositionKeeper(app, MemoryLog(), TOPICS.partitions)


def event(event_type: str, event_id: str, occurred: datetime, **fields: Any) -> bytes:
    schema = REGISTRY.latest(event_type)
    record = example_record(schema)
    record["envelope"].update(event_id=event_id, occurred_at=occurred, source_system="unit")
    for name, value in (("district", "370211"), ("industry", "E47")):
        if name in record:  # a department's own code for it, else the registry's
            record[name] = value
    record.update(fields)
    return encode(schema, record)


class Sent:
    """Every ``Topic.send`` of the agents, by topic name."""

    def __init__(self) -> None:
        self.by_topic: dict[str, list[tuple[bytes, bytes]]] = {}

    def method(self) -> Any:
        """A stand-in for ``Topic.send`` (a plain function, so it binds as a method)."""

        async def send(topic: Any, key: bytes, value: bytes, **_: Any) -> asyncio.Future[None]:
            self.by_topic.setdefault(topic.get_topic_name(), []).append((key, value))
            acknowledged: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            acknowledged.set_result(None)  # what awaiting the broker's acknowledgement gives
            return acknowledged

        return send


async def register_enterprise(app: faust.App, occurred: datetime) -> None:
    """USCC in 370211 × E47, through the app's registry agent (register_inputs first)."""
    async with app.agents["enterprise-registry"].test_context() as registry:
        await registry.put(event("reference.enterprise", "ent-1", occurred, uscc=USCC,
                                 district="370211", industry="E47"))  # fmt: skip
