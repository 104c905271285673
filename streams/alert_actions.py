"""Publishing one step of an alert's lifecycle (acknowledge, assign an expert, verify, rectify,
close) to ``hub.alert-actions``: what people do, from the CLI or the dashboard. The alerting
agents apply it (or dead-letter it with the reason it was refused)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from streams.clients import make_producer
from streams.contracts.envelope import build_event
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings

ACTIONS_TOPIC = "hub.alert-actions"


def subject_key_of_alert(alert_id: str) -> str:
    """The partition key the alert's book is kept under (``<rule>/<subject>/<n>``'s subject)."""
    return alert_id.split("/")[1] if alert_id.count("/") == 2 else alert_id


def publish_action(settings: HubSettings, alert_id: str, step: str, actor: str,
                   expert: str | None, note: str, prefix: str = "",
                   source_system: str = "injuryhub-cli") -> str:  # fmt: skip
    """Publish one lifecycle step by ``actor``; its event id."""
    registry = load_registry(settings.schemas_path)
    schema = registry.latest("hub.alert-action")
    moment = datetime.now(UTC)
    request = str(uuid.uuid4())
    payload = {"alert_id": alert_id, "step": step, "actor": actor, "expert_id": expert,
               "note": note}  # fmt: skip
    event = build_event("hub.alert-action", schema.version, "hub", source_system,
                        f"{source_system} request {request}", request, moment, moment,
                        f"person:{actor}", payload)  # fmt: skip
    with make_producer(settings.bootstrap, source_system, auth=settings.kafka_auth) as producer:
        producer.send(prefix + ACTIONS_TOPIC, key=subject_key_of_alert(alert_id).encode(),
                      value=encode(schema, event)).get(timeout=30)  # fmt: skip
    event_id: str = event["envelope"]["event_id"]
    return event_id
