"""One connector run: source records -> mapping -> pseudonym -> envelope -> validation -> Avro ->
the department's topic; every refusal -> ``hub.dlq.<dept>`` with its reasons. Nothing is lost:
read = published + rejected. Events and the checkpoint travel in one Kafka transaction per batch,
so a connector killed anywhere and restarted publishes each source record exactly once (as
``read_committed`` readers see it)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer

from connectors.checkpoints import (
    Checkpoint,
    KafkaCheckpoints,
    checkpoint_key,
    encode_checkpoint,
)
from connectors.dead_letters import DEAD_LETTER_TYPE, dead_letter
from connectors.mapping import Mapped, Mapping
from connectors.pseudonym import Pseudonymiser
from connectors.sources.base import Source, SourceRecord
from streams.contracts.envelope import build_event
from streams.contracts.registry import SchemaRegistry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import encode
from streams.topics.catalogue import dept_topic, dlq_topic


@dataclass(frozen=True)
class RunReport:
    connector: str
    source: str
    totals: Checkpoint  # cumulative over every run of this connector on this source
    this_run_read: int
    seconds: float

    @property
    def reconciles(self) -> bool:
        return self.totals.read == self.totals.published + self.totals.rejected


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Connector:
    def __init__(
        self,
        name: str,
        mapping: Mapping,
        registry: SchemaRegistry,
        validator: EventValidator,
        pseudonymiser: Pseudonymiser,
        producer: KafkaProducer,
        checkpoints: KafkaCheckpoints,
        topic: str | None = None,
        dead_letter_topic: str | None = None,
        checkpoint_every: int = 500,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        """``producer`` must be transactional (``transactional_id`` stable per connector)."""
        spec = mapping.spec
        self.name = name
        self.mapping = mapping
        self.schema = registry.latest(spec.event_type)
        self.dead_letter_schema = registry.latest(DEAD_LETTER_TYPE)
        mapping.check_against(self.schema)
        self.validator = validator
        self.pseudonymiser = pseudonymiser
        self.producer = producer
        self.checkpoints = checkpoints
        owner, event = spec.event_type.split(".", 1)
        self.topic = topic or dept_topic(owner, event)
        self.dead_letter_topic = dead_letter_topic or dlq_topic(spec.department)
        self.checkpoint_every = checkpoint_every
        self.now = now
        self._transactions_ready = False

    def run(
        self, source: Source, on_record: Callable[[Checkpoint], None] | None = None
    ) -> RunReport:
        """Publish every record after the last committed checkpoint, in transactions of
        ``checkpoint_every`` records that also carry the checkpoint."""
        began = time.monotonic()
        self._ensure_transactions()
        totals = self.checkpoints.load(self.name, source.name)
        read_now = 0
        self.producer.begin_transaction()
        try:
            for record in source.records(totals.sequence):
                read_now += 1
                published = isinstance(self._send(record), dict)
                totals = replace(
                    totals,
                    sequence=record.sequence,
                    read=totals.read + 1,
                    published=totals.published + published,
                    rejected=totals.rejected + (not published),
                )
                if read_now % self.checkpoint_every == 0:
                    self._commit(source, totals)
                    self.producer.begin_transaction()
                if on_record is not None:
                    on_record(totals)
            self._commit(source, totals)
        except BaseException:
            self._abort()
            raise
        return RunReport(self.name, source.name, totals, read_now, time.monotonic() - began)

    def publish_batch(self, records: list[SourceRecord]) -> list[dict[str, Any] | list[str]]:
        """Publish records pushed in one request, in one transaction with no checkpoint (the
        request is the unit); per record, the event published or the reasons it was refused."""
        self._ensure_transactions()
        self.producer.begin_transaction()
        try:
            outcomes = [self._send(record) for record in records]
            self.producer.commit_transaction()
        except BaseException:
            self._abort()
            raise
        return outcomes

    def _abort(self) -> None:
        """Abort the open transaction; if that fails too, the original error is the one to see
        (a killed or fenced producer's transaction is aborted by the broker anyway)."""
        with contextlib.suppress(Exception):
            self.producer.abort_transaction()

    def _ensure_transactions(self) -> None:
        if not self._transactions_ready:
            self.producer.init_transactions()  # fences an earlier incarnation, aborts its batch
            self._transactions_ready = True

    def _send(self, record: SourceRecord) -> dict[str, Any] | list[str]:
        """Publish the event, or its dead letter; returns the event or the reasons."""
        outcome = self._event(record)
        if isinstance(outcome, dict):
            key = str(outcome.get("enterprise_id") or outcome["envelope"]["event_id"]).encode()
            self.producer.send(self.topic, key=key, value=encode(self.schema, outcome))
            return outcome
        spec = self.mapping.spec
        letter = dead_letter(
            self.name,
            spec.department,
            spec.source_system,
            record,
            outcome,
            self.now,
            self.dead_letter_schema.version,
        )
        value = encode(self.dead_letter_schema, letter)
        self.producer.send(self.dead_letter_topic, key=self.name.encode(), value=value)
        return outcome

    def _event(self, record: SourceRecord) -> dict[str, Any] | list[str]:
        if record.problem is not None:
            return [f"{record.position} {record.problem}"]
        mapped = self.mapping.apply(record, self.pseudonymiser)
        if not isinstance(mapped, Mapped):
            return [str(problem) for problem in mapped]
        spec = self.mapping.spec
        event = build_event(
            self.schema.event_type,
            self.schema.version,
            spec.department,
            spec.source_system,
            record.position,
            mapped.natural_key,
            mapped.occurred_at,
            mapped.reported_at,
            f"connector:{self.name}",
            mapped.payload,
        )
        verdict = self.validator.validate(self.schema, event)
        return event if verdict.ok else verdict.reasons()

    def _commit(self, source: Source, totals: Checkpoint) -> None:
        self.producer.send(
            self.checkpoints.topic,
            key=checkpoint_key(self.name, source.name),
            value=encode_checkpoint(totals),
        )
        self.producer.commit_transaction()  # flushes; raises if the broker refused anything
