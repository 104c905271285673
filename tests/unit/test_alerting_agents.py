"""The rules' agents in Faust's test context (no broker; every send captured): department events
are forwarded by enterprise, and a burst of facts of one enterprise, handled as one batch, is
remembered whole, its findings and colour change published."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from unittest.mock import patch

import faust

from agents.aggregation.agent import register_inputs
from agents.aggregation.metrics import accident_identity
from agents.alerting.agent import AlertingTopics, register_alerting
from agents.alerting.limits import AlertLimits
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

ALERTING = AlertingTopics("hub.alerts", "hub.alert-actions", "hub.risk-changes", "hub.dlq.hub",
                          TOPICS.partitions, 3)  # fmt: skip


async def test_a_burst_of_one_enterprise_is_remembered_whole_and_its_findings_published(
    hub_app: faust.App,
) -> None:
    inputs = register_inputs(hub_app, TOPICS, REGISTRY, NO_BROKER)
    alerting = register_alerting(hub_app, inputs, ALERTING, REGISTRY, {}, set(), AlertLimits(),
                                 keeper(hub_app), now=lambda: NOW)  # fmt: skip
    forward, rules = alerting.agents[:2]
    accident = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)
    fatal = {"enterprise_id": USCC, "accident_type": "01", "deaths": 1, "serious_injuries": 0,
             "victims": 1, "grade": "GENERAL"}  # fmt: skip
    reports = [
        event("emergency.accident-report", "em-1", accident, **fatal),
        event("housing.construction-accident", "hc-1", accident, **fatal),
        event("hrss.insured-headcount", "hc-9", accident, enterprise_id=USCC),  # no rule's
    ]
    sent = Sent()
    with patch.object(faust.topics.Topic, "send", sent.method()):
        await register_enterprise(hub_app, accident)
        async with forward.test_context() as agent:
            for report in reports:
                await agent.put(report)
        facts = sent.by_topic.pop("aggregation-unit-alert-facts")
        async with rules.test_context() as agent:
            for key, value in facts[:-1]:
                await agent.put(value, key=key, wait=False)
            await agent.put(facts[-1][1], key=facts[-1][0])

    assert [key for key, _ in facts] == [USCC.encode()] * 2  # the headcount feeds no rule
    subject_key = next(iter(alerting.history.keys()))
    history = alerting.history[subject_key]
    identity = accident_identity(decode(REGISTRY, reports[0])[1])
    assert history["accidents"][identity]["events"] == ["em-1", "hc-1"]
    signals = [json.loads(value) for _, value in sent.by_topic["aggregation-unit-alert-signals"]]
    assert [s["finding"]["rule"] for s in signals] == ["death", "death"]
    assert signals[-1]["finding"]["evidence"] == ["em-1", "hc-1"]
    changes = [decode(REGISTRY, value)[1] for _, value in sent.by_topic["hub.risk-changes"]]
    assert [(c["previous"], c["colour"]) for c in changes] == [("BLUE", history["colour"])]
