"""Where an enterprise is: the global table first, then what the registry topic last held; an
unknown enterprise resolves to None once the wait is over, a broker that cannot be read being
logged, not raised."""

from __future__ import annotations

import logging

import pytest

from agents.aggregation.registry import HubInputs, RegistryTopic
from streams.contracts.registry import load_registry
from streams.kafka_auth import NO_AUTH
from streams.settings import HubSettings

REGISTRY = load_registry(HubSettings().schemas_path)


def _inputs(table: dict[str, list[str]], topic: dict[str, tuple[str, str]]) -> HubInputs:
    registry_topic = RegistryTopic(
        "127.0.0.1:1", NO_AUTH, "hub.enterprises", REGISTRY, places=dict(topic)
    )
    return HubInputs(sources=None, places=table, registry_topic=registry_topic)


async def test_the_table_answers_first_then_the_topic() -> None:
    inputs = _inputs({"A": ["370211", "C33"]}, {"A": ("370202", "F52"), "B": ("370203", "E47")})
    assert await inputs.resolve("A", 0) == ("370211", "C33")
    assert await inputs.resolve("B", 0) == ("370203", "E47")


async def test_an_unknown_enterprise_is_none_and_an_unreadable_topic_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inputs = _inputs({}, {})
    with caplog.at_level(logging.WARNING):
        assert await inputs.resolve("C", 0) is None
    assert "could not read the registry topic hub.enterprises" in caplog.text
