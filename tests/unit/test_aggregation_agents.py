"""The aggregation agents themselves, in Faust's test context (no broker: in-memory channels,
memory tables, and every topic send captured), with an injected clock: one accident reported by
two departments and a late injury recognition give snapshots with exact window bounds, values
and report time."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

import faust

from agents.aggregation.agent import (
    BUNDLE_MAX,
    bundle_json,
    bundled,
    bundles,
    partition_of,
    register_aggregation,
    register_inputs,
)
from agents.aggregation.metrics import Contribution
from agents.aggregation.windows import CITY_ZONE
from streams.contracts.wire import decode
from tests.faust_context import (
    NO_BROKER,
    NOW,
    REGISTRY,
    TOPICS,
    USCC,
    Sent,
    event,
    keeper,
    register_enterprise,
)


async def test_snapshots_have_exact_windows_values_and_report_time(hub_app: faust.App) -> None:
    inputs = register_inputs(hub_app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(
        hub_app, inputs, TOPICS, REGISTRY, keeper(hub_app), now=lambda: NOW
    )
    contribute, aggregate = aggregation.agents
    sent = Sent()
    accident = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)  # Tuesday 1 April, 00:30 in Qingdao
    reports = [
        event("emergency.accident-report", "em-1", accident, enterprise_id=USCC,
              accident_type="19", deaths=1, serious_injuries=0, victims=2, grade="GENERAL"),
        event("housing.construction-accident", "hc-1", accident, enterprise_id=USCC,
              accident_type="19", deaths=1, serious_injuries=0, victims=2, grade="GENERAL"),
        event("hrss.injury-recognition", "ir-1", accident, enterprise_id=USCC,
              application_no="GS-9", decision="RECOGNISED", lost_workdays=20),
    ]  # fmt: skip
    with patch.object(faust.topics.Topic, "send", sent.method()):
        await register_enterprise(hub_app, accident)
        async with contribute.test_context() as agent:
            for report in reports:
                await agent.put(report)
        sent_bundles = sent.by_topic.pop("aggregation-unit-aggregate-contributions")
        async with aggregate.test_context() as agent:
            for key, value in sent_bundles:
                await agent.put(value, key=key)

    contributions = [one for _, value in sent_bundles for one in bundled(value)]
    assert {key for key, _ in sent_bundles} == {b"370211|E47"}
    assert len(contributions) == 5  # accident + report, twice; the recognition
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
    assert {(one.district, one.industry) for one in contributions} == {("370211", "E47")}


async def test_an_undecodable_message_is_dead_lettered_and_the_agent_goes_on(
    hub_app: faust.App,
) -> None:
    inputs = register_inputs(hub_app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(
        hub_app, inputs, TOPICS, REGISTRY, keeper(hub_app), now=lambda: NOW
    )
    contribute = aggregation.agents[0]
    sent = Sent()
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    good = event("health.od-diagnosis", "od-1", occurred, enterprise_id=USCC, category="01")
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
    ((_, value),) = sent.by_topic["aggregation-unit-aggregate-contributions"]
    assert [one.identity for one in bundled(value)] == ["od-1"]  # the good one


async def test_an_event_of_an_unregistered_enterprise_is_dead_lettered_with_what_to_do(
    hub_app: faust.App,
) -> None:
    inputs = register_inputs(hub_app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(hub_app, inputs, TOPICS, REGISTRY, keeper(hub_app),
                                       registry_wait_s=0, now=lambda: NOW)  # fmt: skip
    contribute = aggregation.agents[0]
    sent = Sent()
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    unknown = "91370211MA3C5LYY0K"
    orphan = event("hrss.insured-headcount", "hc-9", occurred, enterprise_id=unknown)
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
    hub_app: faust.App,
) -> None:
    """Four injuries of one day to one district × industry, arriving together: one batch. Each
    cell is snapshotted once, with all four, not four times (the rewrites the batch saves)."""
    inputs = register_inputs(hub_app, TOPICS, REGISTRY, NO_BROKER)
    aggregation = register_aggregation(
        hub_app, inputs, TOPICS, REGISTRY, keeper(hub_app), now=lambda: NOW
    )
    aggregate = aggregation.agents[1]
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    burst = [Contribution(f"ir-{n}", occurred, "370211", "E47", USCC, {"recognised_injuries": 1.0})
             for n in range(4)]  # fmt: skip
    sent = Sent()
    with patch.object(faust.topics.Topic, "send", sent.method()):
        async with aggregate.test_context() as agent:
            for one in burst[:-1]:  # one bundle each, and a lone contribution as sent before
                await agent.put(bundle_json([one]), key=b"370211|E47", wait=False)
            await agent.put(bundle_json([burst[-1]])[1:-1], key=b"370211|E47")
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


def test_bundles_go_where_each_pair_went_alone_and_keep_their_order() -> None:
    """One message per partition of the internal topic, on the partition Kafka's default
    partitioner gives each pair's key (where a pair's cells are), the contributions in order."""
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    pairs = [("370211", "E47"), ("370212", "C13"), ("370211", "E47"), ("370213", "G54")]
    added = [Contribution(f"c-{n}", occurred, district, industry, USCC, {"accidents": 1.0})
             for n, (district, industry) in enumerate(pairs)]  # fmt: skip
    messages = bundles(added, TOPICS.partitions)
    assert sorted(one.identity for _, _, value in messages for one in bundled(value)) == [
        "c-0", "c-1", "c-2", "c-3"
    ]  # fmt: skip
    assert len({partition for _, partition, _ in messages}) == len(messages)
    for key, partition, value in messages:
        carried = bundled(value)
        assert [one.identity for one in carried] == sorted(one.identity for one in carried)
        for one in carried:
            pair_key = f"{one.district}|{one.industry}".encode()
            assert partition_of(pair_key, TOPICS.partitions) == partition
        assert key == f"{carried[0].district}|{carried[0].industry}".encode()
    # Kafka's Java partitioner on 1,000 partitions (kafka-python's compatibility vectors)
    keys = (b"", b"a", b"ab", b"abc", b"123456789", b"\x00 ")
    assert [partition_of(key, 1000) for key in keys] == [681, 524, 434, 107, 566, 742]


def test_a_bundle_holds_at_most_bundle_max() -> None:
    occurred = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    added = [Contribution(f"c-{n}", occurred, "370211", "E47", USCC, {"accidents": 1.0})
             for n in range(BUNDLE_MAX + 1)]  # fmt: skip
    sizes = [len(bundled(value)) for _, _, value in bundles(added, TOPICS.partitions)]
    assert sizes == [BUNDLE_MAX, 1]
