"""The governance log on Kafka: each step of a request or a correction is one
``hub.governance-event`` on ``hub.governance`` (one partition: the log's order is the steps'
order), and the states are what folding the whole log gives (streams/governance/requests.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import KafkaError as AIOKafkaError
from kafka.errors import KafkaError

from streams.clients import ReadRefused, make_producer, read_to_end
from streams.contracts.envelope import build_event
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import decode, encode
from streams.governance.requests import GovernanceStep
from streams.kafka_auth import KafkaAuth
from streams.settings import HubSettings
from streams.topics.admin import existing_topics

GOVERNANCE_TOPIC = "hub.governance"
EVENT_TYPE = "hub.governance-event"
SOURCE_SYSTEM = "injuryhub-governance"


def to_event(step: GovernanceStep, version: int) -> dict[str, Any]:
    payload = {
        "subject_kind": step.subject_kind,
        "subject_id": step.subject_id,
        "step": step.step,
        "actor": step.actor,
        "requester": step.requester,
        "owner": step.owner,
        "topic": step.topic,
        "reason": step.reason,
        "fields": list(step.fields),
        "access_from": step.access_from,
        "access_until": step.access_until,
        "due_at": step.due_at,
        "event_ref": step.event_ref,
    }
    natural_key = f"{step.subject_id}|{step.step}|{step.at.astimezone(UTC).isoformat()}"
    return build_event(EVENT_TYPE, version, "hub", SOURCE_SYSTEM, f"{step.subject_id}#{step.step}",
                       natural_key, step.at, step.at, f"person:{step.actor}", payload)  # fmt: skip


def from_event(event: dict[str, Any]) -> GovernanceStep:
    return GovernanceStep(
        event["subject_kind"], event["subject_id"], event["step"],
        event["envelope"]["occurred_at"], event["actor"], event["requester"], event["owner"],
        event["topic"], event["reason"], tuple(event["fields"]), event["access_from"],
        event["access_until"], event["due_at"], event["event_ref"],
    )  # fmt: skip


class LedgerUnreadable(RuntimeError):
    """The governance log could not be read (brokers unreachable, or the login may not)."""


class Ledger:
    """Reads and appends the governance log of one deployment (``topic_prefix`` as the
    worker's)."""

    def __init__(
        self,
        settings: HubSettings,
        registry: SchemaRegistry,
        topic_prefix: str = "",
        auth: KafkaAuth | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.topic = topic_prefix + GOVERNANCE_TOPIC
        self.auth = settings.kafka_auth if auth is None else auth

    def steps(self) -> list[GovernanceStep]:
        """Every step so far, in order (none if the topic is not there yet)."""
        try:
            # asked first: a consumer of a missing topic waits ~40 s for its metadata
            if self.topic not in existing_topics(self.settings.bootstrap, self.auth):
                return []
            records = asyncio.run(read_to_end(self.settings.bootstrap, self.topic,
                                              auth=self.auth))  # fmt: skip
        except LookupError:
            return []
        except (AIOKafkaError, KafkaError, ReadRefused) as error:
            raise LedgerUnreadable(f"{self.topic} on {self.settings.bootstrap}: {error}") from None
        return [from_event(decode(self.registry, r.value or b"", self.topic)[1]) for r in records]

    def append(self, steps: Iterable[GovernanceStep]) -> list[str]:
        """Publish ``steps`` in order and wait for the brokers to have them; their event ids."""
        schema = self.registry.latest(EVENT_TYPE)
        events = [to_event(step, schema.version) for step in steps]
        with make_producer(self.settings.bootstrap, SOURCE_SYSTEM,
                           auth=self.auth) as producer:  # fmt: skip
            sent = [producer.send(self.topic, key=e["subject_id"].encode(),
                                  value=encode(schema, e)) for e in events]  # fmt: skip
            for one in sent:
                one.get(timeout=30)
        return [e["envelope"]["event_id"] for e in events]


def now_utc() -> datetime:
    return datetime.now(UTC)
