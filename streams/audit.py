"""The audit trail: who read or changed what through the dashboard and its API, one
``hub.audit-entry`` event per request on ``hub.audit`` (kept for ever, read by the hub only).
The alert lifecycle keeps its own: every step is an event naming its actor (hub.alert-actions)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal

from kafka import KafkaProducer
from kafka.errors import KafkaError

from streams.clients import make_producer
from streams.contracts.envelope import build_event
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings

AUDIT_TOPIC = "hub.audit"
AUDIT_TYPE = "hub.audit-entry"
SOURCE_SYSTEM = "injuryhub-dashboard"
log = logging.getLogger(__name__)

Credential = Literal["NONE", "SESSION", "TOKEN", "PASSWORD"]
Kind = Literal["READ", "CHANGE", "LOGIN", "LOGOUT"]


@dataclass(frozen=True)
class AuditEntry:
    actor: str  # "" when nobody is logged in; the name given for a login
    role: str | None
    department: str | None
    credential: Credential
    method: str
    path: str
    query: str  # the dashboard's queries hold filters, never a secret
    kind: Kind
    status: int
    client: str


class AuditTrail:
    """Publishes entries to ``hub.audit`` without waiting for each (a failed send is logged
    with the entry it lost; the request it describes is already answered)."""

    def __init__(self, settings: HubSettings, topic_prefix: str = "") -> None:
        self.settings = settings
        self.topic = topic_prefix + AUDIT_TOPIC
        self.schema = load_registry(settings.schemas_path).latest(AUDIT_TYPE)
        self._producer: KafkaProducer | None = None

    def record(self, entry: AuditEntry) -> str:
        """Send the entry; its event id."""
        moment = datetime.now(UTC)
        request = str(uuid.uuid4())
        event = build_event(AUDIT_TYPE, self.schema.version, "hub", SOURCE_SYSTEM,
                            f"dashboard request {request}", request, moment, moment,
                            f"person:{entry.actor}" if entry.actor else "anonymous",
                            asdict(entry))  # fmt: skip
        try:
            if self._producer is None:
                # Short waits: this runs on the dashboard's event loop, and an unreachable Kafka
                # must not hold every request for the default 30-60 s.
                self._producer = make_producer(self.settings.bootstrap, SOURCE_SYSTEM,
                                               auth=self.settings.kafka_auth,
                                               bootstrap_timeout_ms=2_000,
                                               max_block_ms=2_000)  # fmt: skip
            sent = self._producer.send(self.topic, key=entry.actor.encode(),
                                       value=encode(self.schema, event))  # fmt: skip
        except KafkaError as error:
            log.error("audit entry lost (%s): %s", error, entry)
        else:
            sent.add_errback(lambda error: log.error("audit entry lost (%s): %s", error, entry))
        event_id: str = event["envelope"]["event_id"]
        return event_id

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
            self._producer = None
