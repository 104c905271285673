"""Governance steps survive the trip through their Avro contract (hub.governance-event)."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.contracts.registry import load_registry
from streams.contracts.wire import decode, encode
from streams.governance.ledger import EVENT_TYPE, from_event, to_event
from streams.governance.requests import GovernanceStep
from streams.settings import HubSettings

REGISTRY = load_registry(HubSettings().schemas_path)


def test_a_step_is_read_back_as_it_was_written_with_a_deterministic_event_id() -> None:
    schema = REGISTRY.latest(EVENT_TYPE)
    step = GovernanceStep(
        "ACCESS_REQUEST", "R20261201-abc123", "SUBMITTED", datetime(2026, 12, 1, 2, 30, tzinfo=UTC),
        "li.wei", "union", "hrss", "dept.hrss.disability-appraisal.v1", "帮扶", ("grade",), None,
        datetime(2027, 1, 1, tzinfo=UTC), datetime(2026, 12, 8, 16, tzinfo=UTC),
    )  # fmt: skip
    event = to_event(step, schema.version)
    assert from_event(decode(REGISTRY, encode(schema, event))[1]) == step
    assert to_event(step, schema.version)["envelope"]["event_id"] == event["envelope"]["event_id"]
    later = GovernanceStep(**{**step.__dict__, "step": "GRANTED"})
    assert to_event(later, schema.version)["envelope"]["event_id"] != event["envelope"]["event_id"]
