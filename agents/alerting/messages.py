"""The alerting agents' output as Avro events: alert revisions, risk-colour changes, and dead
letters for refused lifecycle steps."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from agents.alerting.findings import Subject, from_ms
from agents.alerting.risk import RiskScore
from streams.contracts.envelope import build_event
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import encode

SOURCE_SYSTEM = "injuryhub-agents"


def _encoded(registry: SchemaRegistry, event_type: str, position: str, natural_key: str,
             occurred: datetime, reported: datetime, producer: str,
             payload: dict[str, Any]) -> bytes:  # fmt: skip
    schema = registry.latest(event_type)
    event = build_event(event_type, schema.version, "hub", SOURCE_SYSTEM, position, natural_key,
                        min(occurred, reported), reported, producer, payload)  # fmt: skip
    return encode(schema, event)


def alert_payload(alert: dict[str, Any]) -> dict[str, Any]:
    subject = alert["subject"]
    return {
        "alert_id": alert["alert_id"],
        "rule": alert["rule"],
        "subject_kind": subject["kind"],
        "enterprise_id": subject["enterprise_id"],
        "district": subject["district"],
        "industry": subject["industry"],
        "severity": alert["severity"],
        "evidence_event_ids": list(alert["evidence"]),
        "message_zh": alert["message_zh"],
        "message_en": alert["message_en"],
        "status": alert["status"],
        "revision": alert["revision"],
        "opened_at": from_ms(alert["opened_ms"]),
        "steps": [
            {
                "step": step["step"],
                "actor": step["actor"],
                "at": from_ms(step["at_ms"]),
                "expert_id": step["expert_id"],
                "note": step["note"],
            }
            for step in alert["steps"]
        ],
    }


def alert_event(registry: SchemaRegistry, alert: dict[str, Any], now: datetime) -> bytes:
    """One revision of an alert; its event id names the revision, so a re-sent one is a
    duplicate consumers can drop."""
    return _encoded(registry, "hub.alert", alert["alert_id"],
                    f"{alert['alert_id']}#{alert['revision']}", from_ms(alert["updated_ms"]),
                    now, "agent:alert-book", alert_payload(alert))  # fmt: skip


def risk_change_event(registry: SchemaRegistry, subject: Subject, scored: RiskScore,
                      previous: str, occurred: datetime, now: datetime) -> bytes:  # fmt: skip
    payload = {
        "enterprise_id": subject.enterprise_id, "district": subject.district,
        "industry": subject.industry, "score": scored.score, "previous": previous,
        "colour": scored.colour, "components": scored.components,
    }  # fmt: skip
    key = f"{subject.enterprise_id}/{previous}->{scored.colour}@{occurred.isoformat()}"
    return _encoded(registry, "hub.risk-change", f"{subject.enterprise_id}", key, occurred, now,
                    "agent:enterprise-rules", payload)  # fmt: skip


def refused_action_event(registry: SchemaRegistry, topic: str, raw: bytes,
                         step: dict[str, Any], reason: str, now: datetime) -> bytes:  # fmt: skip
    """A lifecycle step the book refused, for the person who sent it (``injuryhub alerts
    refused`` lists them)."""
    position = f"action {step.get('action_id')} on alert {step.get('alert_id')}"
    payload = {
        "connector": "agent:alert-book",
        "source": topic,
        "position": position,
        "raw_record": json.dumps(step, ensure_ascii=False, sort_keys=True),
        "reasons": [reason],
        "rejected_at": now,
    }
    return _encoded(registry, "hub.dead-letter", position, f"refused/{step.get('action_id')}",
                    now, now, "agent:alert-book", payload)  # fmt: skip
