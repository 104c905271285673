"""The aggregation agents themselves, in Faust's test context (no broker: in-memory channels,
memory tables, and every topic send captured), with an injected clock: one accident reported by
two departments and a late injury recognition give snapshots with exact window bounds, values
and report time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import faust
import pytest

from agents.aggregation.agent import (
    AggregationTopics,
    _contribution_json,
    register_aggregation,
    register_inputs,
)
from agents.aggregation.metrics import Contribution
from agents.aggregation.windows import CITY_ZONE
from agents.positions import PositionKeeper
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode, encode
from streams.faust_app import make_app
from streams.settings import HubSettings
from tests.examples import example_record
from tests.support import MemoryLog

REGISTRY = load_registry(HubSettings().schemas_path)
USCC = "91370211MA3C5LXX0K"
NOW = datetime(2025, 5, 20, 9, 0, tzinfo=UTC)
# the registry agent knows every enterprise before it is needed
NO_BROKER = HubSettings(bootstrap_servers="127.0.0.1:1")
TOPICS = AggregationTopics(("dept.a", "dept.b"), "hub.enterprises", "hub.aggregates",
                           "hub.dlq.hub", 3)  # fmt: skip


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[faust.App]:
    app = make_app(HubSettings(state_dir=tmp_path), app_id="aggregation-unit",
                   store="memory://", loop=asyncio.get_running_loop())  # fmt: skip
    yield app
    consumer_thread = getattr(app.consumer, "_thread", None)
    if consumer_thread is not None:
        consumer_thread.thread_loop.close()


def _keeper(app: faust.App) -> PositionKeeper:
    """Every message the tests put is delivered: there is nothing to read directly."""
    return PositionKeeper(app, MemoryLog(), TOPICS.partitions)


def _event(event_type: str, event_id: str, occurred: datetime, **fields: Any) -> bytes:
    schema = REGISTRY.latest(event_type)
    record = example_record(schema)
    record["envelope"].update(event_id=event_id, occurred_at=occurred, source_system="unit")
    for name, value in (("district", "370211"), ("industry", "E47")):
        if name in record:  # a department's own code for it, else the registry's
            record[name] = value
    record.update(fields)
    return encode(schema, record)


class _Sent:
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


async def test_snapshots_have_exact_windows_values_and_report_time(app: faust.App) -> None:
    inputs = register_inputs(app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(app, inputs, TOPICS, REGISTRY, _keeper(app), now=lambda: NOW)
    registry_agent = app.agents["enterprise-registry"]
    contribute, aggregate = aggregation.agents
    sent = _Sent()
    accident = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)  # Tuesday 1 April, 00:30 in Qingdao
    reports = [
        _event("emergency.accident-report", "em-1", accident, enterprise_id=USCC,
               accident_type="19", deaths=1, serious_injuries=0, victims=2, grade="GENERAL"),
        _event("housing.construction-accident", "hc-1", accident, enterprise_id=USCC,
               accident_type="19", deaths=1, serious_injuries=0, victims=2, grade="GENERAL"),
        _event("hrss.injury-recognition", "ir-1", accident, enterprise_id=USCC,
               application_no="GS-9", decision="RECOGNISED", lost_workdays=20),
    ]  # fmt: skip
    with patch.object(faust.topics.Topic, "send", sent.method()):
        async with registry_agent.test_context() as registry:
            await registry.put(_event("reference.enterprise", "ent-1", accident, uscc=USCC,
                                      district="370211", industry="E47"))  # fmt: skip
        async with contribute.test_context() as agent:
            for report in reports:
                await agent.put(report)
        contributions = sent.by_topic.pop("aggregation-unit-aggregate-contributions")
        async with aggregate.test_context() as agent:
            for key, value in contributions:
                await agent.put(value, key=key)

    assert [key for key, _ in contributions] == [b"370211|E47"] * 5  # accident + report, twice
    latest = {}
    for sent_key, value in sent.by_topic["hub.aggregates"]:
        latest[sent_key.decode()] = decode(REGISTRY, value)[1]
    day = latest["DAY|2025-04-01|370211|E47"]
    assert (day["window_start"], day["window_end"]) == (
        datetime(2025, 4, 1, tzinfo=CITY_ZONE),
        datetime(2025, 4, 2, tzinfo=CITY_ZONE),
    )
    assert day["envelope"]["reported_at"] == NOW
    expected = {
        "accidents": 1.0,
        "accident_reports": 2.0,
        "deaths": 1.0,
        "victims": 2.0,
        "injury_applications": 1.0,
        "recognised_injuries": 1.0,
        "lost_workdays": 20.0,
    }
    for cell in (
        "DAY|2025-04-01|370211|E47",
        "WEEK|2025-W14|370211|E47",
        "QUARTER|2025-Q2|370211|E47",
        f"MONTH|2025-04|370211|E47|{USCC}",
    ):
        metrics = latest[cell]["metrics"]
        assert {n: metrics[n] for n in expected} == expected, cell
    week = latest["WEEK|2025-W14|370211|E47"]
    assert week["window_start"] == datetime(2025, 3, 31, tzinfo=CITY_ZONE)  # Monday
    assert latest[f"MONTH|2025-04|370211|E47|{USCC}"]["enterprise_id"] == USCC
    thirty = latest["ROLLING_30D|current|370211|E47"]
    assert (thirty["window_start"], thirty["window_end"]) == (
        datetime(2025, 3, 3, tzinfo=CITY_ZONE),
        datetime(2025, 4, 2, tzinfo=CITY_ZONE),
    )
    assert json.loads(contributions[0][1])["district"] == "370211"


async def test_an_undecodable_message_is_dead_lettered_and_the_agent_goes_on(
    app: faust.App,
) -> None:
    inputs = register_inputs(app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(app, inputs, TOPICS, REGISTRY, _keeper(app), now=lambda: NOW)
    contribute = aggregation.agents[0]
    sent = _Sent()
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    good = _event("health.od-diagnosis", "od-1", occurred, enterprise_id=USCC, category="01")
    # a resident ID in a poison message's bytes must not reach the dead letter
    with patch.object(faust.topics.Topic, "send", sent.method()):
        async with contribute.test_context() as agent:
            await agent.put(b"\xc3\x01 not avro, 110105194912310021 inside")
            await agent.put(good)
    ((key, value),) = sent.by_topic["hub.dlq.hub"]
    letter = decode(REGISTRY, value)[1]
    assert letter["position"] == key.decode()
    assert letter["position"] == f"{letter['source']}[0]@0"
    assert letter["connector"] == "agent:aggregate-contributions"
    assert "unknown schema fingerprint" in letter["reasons"][0]
    assert "110105194912310021" not in letter["raw_record"] and "已遮蔽" in letter["raw_record"]
    assert len(sent.by_topic["aggregation-unit-aggregate-contributions"]) == 1  # the good one


async def test_an_event_of_an_unregistered_enterprise_is_dead_lettered_with_what_to_do(
    app: faust.App,
) -> None:
    inputs = register_inputs(app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(app, inputs, TOPICS, REGISTRY, _keeper(app),
                                       registry_wait_s=0, now=lambda: NOW)  # fmt: skip
    contribute = aggregation.agents[0]
    sent = _Sent()
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    unknown = "91370211MA3C5LYY0K"
    orphan = _event("hrss.insured-headcount", "hc-9", occurred, enterprise_id=unknown)
    with patch.object(faust.topics.Topic, "send", sent.method()):
        async with contribute.test_context() as agent:
            await agent.put(orphan)
    ((_, value),) = sent.by_topic["hub.dlq.hub"]
    letter = decode(REGISTRY, value)[1]
    assert letter["connector"] == "agent:aggregate-contributions"
    assert letter["position"] == f"{letter['source']}[0]@0"
    (reason,) = letter["reasons"]
    assert f"enterprise {unknown} of event hc-9 is not in the registry" in reason
    assert "register the enterprise, then send the event again" in reason
    assert "aggregation-unit-aggregate-contributions" not in sent.by_topic


async def test_a_burst_to_one_pair_gives_each_cell_one_snapshot_of_the_whole_burst(
    app: faust.App,
) -> None:
    """Four injuries of one day to one district × industry, arriving together: one batch. Each
    cell is snapshotted once, with all four, not four times (the rewrites the batch saves)."""
    inputs = register_inputs(app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(app, inputs, TOPICS, REGISTRY, _keeper(app), now=lambda: NOW)
    aggregate = aggregation.agents[1]
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    burst = [Contribution(f"ir-{n}", occurred, "370211", "E47", USCC, {"recognised_injuries": 1.0})
             for n in range(4)]  # fmt: skip
    sent = _Sent()
    with patch.object(faust.topics.Topic, "send", sent.method()):
        async with aggregate.test_context() as agent:
            for one in burst[:-1]:
                await agent.put(_contribution_json(one), key=b"370211|E47", wait=False)
            await agent.put(_contribution_json(burst[-1]), key=b"370211|E47")
    keys = [key.decode() for key, _ in sent.by_topic["hub.aggregates"]]
    assert sorted(keys) == sorted(set(keys))  # one snapshot per cell
    assert set(keys) >= {
        "DAY|2025-06-02|370211|E47",
        "YEAR|2025|370211|E47",
        f"MONTH|2025-06|370211|E47|{USCC}",
        "ROLLING_30D|current|370211|E47",
    }
    for key, value in sent.by_topic["hub.aggregates"]:
        assert decode(REGISTRY, value)[1]["metrics"]["recognised_injuries"] == 4.0, key
    assert aggregation.cells["DAY|2025-06-02|370211|E47"] is not None  # flushed to the table
