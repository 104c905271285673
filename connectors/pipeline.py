"""One connector run: source records -> evaluation (mapping, pseudonym, envelope, validation)
-> Avro -> the department's topic; every refusal -> ``hub.dlq.<dept>`` with its reasons. Nothing
is lost: read = published + rejected. Events and the checkpoint travel in one Kafka transaction
per batch, so a connector killed anywhere and restarted publishes each source record exactly once
(as ``read_committed`` readers see it)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer

from connectors.checkpoints import (
    REQUEST_PREFIX,
    Checkpoint,
    KafkaCheckpoints,
    checkpoint_key,
    encode_checkpoint,
)
from connectors.dead_letters import DEAD_LETTER_TYPE, dead_letter
from connectors.evaluation import RecordEvaluator
from connectors.mapping import Mapping
from connectors.pseudonym import Pseudonymiser
from connectors.sources.base import Cursor, Source, SourceRecord, is_past
from streams.contracts.registry import SchemaRegistry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import encode
from streams.topics.catalogue import dlq_topic


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
        self.evaluator = RecordEvaluator(name, mapping, self.schema, validator, pseudonymiser)
        self.producer = producer
        self.checkpoints = checkpoints
        self.topic = topic or spec.event_topic
        self.dead_letter_topic = dead_letter_topic or dlq_topic(spec.department)
        self.checkpoint_every = checkpoint_every
        self.now = now
        self._transactions_ready = False
        self._requests: dict[str, Checkpoint] | None = None  # pushed request id -> its counts

    def run(
        self, source: Source, on_record: Callable[[Checkpoint], None] | None = None
    ) -> RunReport:
        """Publish every record after the last committed checkpoint, in transactions of
        ``checkpoint_every`` records that also carry the checkpoint."""
        began = time.monotonic()
        self._ensure_transactions()
        totals = self.checkpoints.load(self.name, source.name)
        self._remember_done(source, totals.sequence)
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
                    self._commit(source.name, totals)
                    self.producer.begin_transaction()
                if on_record is not None:
                    on_record(totals)
            self._commit(source.name, totals)
        except BaseException:
            self._abort()
            raise
        return RunReport(self.name, source.name, totals, read_now, time.monotonic() - began)

    def publish_batch(
        self, request_id: str, records: list[SourceRecord]
    ) -> list[dict[str, Any] | list[str]] | Checkpoint:
        """Publish records pushed in one request, in one transaction that also records the
        request id; per record, the event published or the reasons it was refused. A request id
        already done is not published again: its earlier counts come back instead, so a client
        may safely re-send a request whose answer it never received."""
        done = self.requests_done()
        if (earlier := done.get(request_id)) is not None:
            return earlier
        self._ensure_transactions()
        self.evaluator.forget()  # duplicates are looked for within the request
        self.producer.begin_transaction()
        try:
            outcomes = [self._send(record) for record in records]
            published = sum(isinstance(outcome, dict) for outcome in outcomes)
            totals = Checkpoint(len(records), len(records), published, len(records) - published)
            self._commit(f"{REQUEST_PREFIX}{request_id}", totals)
        except BaseException:
            self._abort()
            raise
        done[request_id] = totals
        return outcomes

    def requests_done(self) -> dict[str, Checkpoint]:
        """The pushed requests already published (loaded once from the checkpoints)."""
        if self._requests is None:
            self._requests = {
                source.removeprefix(REQUEST_PREFIX): checkpoint
                for (connector, source), checkpoint in self.checkpoints.all().items()
                if connector == self.name and source.startswith(REQUEST_PREFIX)
            }
        return self._requests

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
        outcome = self.evaluator.evaluate(record)
        if isinstance(outcome, dict):
            key_value = outcome.get(self.mapping.spec.key_field) or outcome["envelope"]["event_id"]
            key = str(key_value).encode()
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

    def _remember_done(self, source: Source, done_through: Cursor | None) -> None:
        """Re-read the natural keys of the records a previous run finished, so that a duplicate
        of one of them is still recognised after a restart."""
        self.evaluator.forget()
        if done_through is None:
            return
        for record in source.records(None):
            if is_past(record.sequence, done_through):
                break
            self.evaluator.duplicate_problem(record)

    def _commit(self, source: str, totals: Checkpoint) -> None:
        self.producer.send(
            self.checkpoints.topic,
            key=checkpoint_key(self.name, source),
            value=encode_checkpoint(totals),
        )
        self.producer.commit_transaction()  # flushes; raises if the broker refused anything
