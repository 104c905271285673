"""One connector run: source records -> evaluation (mapping, pseudonym, envelope, validation)
-> Avro -> the department's topic; every refusal -> ``hub.dlq.<dept>`` with its reasons. Nothing
is lost: read = published + rejected. Events and the checkpoint travel in one Kafka transaction
per batch, so a connector killed anywhere and restarted publishes each source record exactly once
(as ``read_committed`` readers see it)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

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
from connectors.offload import Encoded, EvaluationProcess
from connectors.pseudonym import Pseudonymiser
from connectors.sources.base import Cursor, Source, SourceRecord, is_past
from streams.contracts.registry import SchemaRegistry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import encode
from streams.topics.catalogue import dlq_topic

log = logging.getLogger(__name__)
#: How long a transaction's commit or abort may take. kafka-python keeps a dead transaction
#: coordinator cached and would wait for it for ever (seen when a broker is killed mid-replay).
TRANSACTION_TIMEOUT_S = 30.0
#: How many fresh producers a run tries before it gives up.
RENEWALS = 5


class StuckTransaction(RuntimeError):
    """The producer did not finish a commit or abort in time; a fresh one must take over."""


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
        renew_producer: Callable[[], KafkaProducer] | None = None,
        transaction_timeout_s: float = TRANSACTION_TIMEOUT_S,
        offload_after: int | None = None,
    ) -> None:
        """``producer`` must be transactional (``transactional_id`` stable per connector);
        ``renew_producer`` makes another like it, to take over from one that is stuck. A run
        that has read ``offload_after`` records evaluates the rest in a second process
        (connectors/offload.py); None keeps every run in this one."""
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
        self.renew_producer = renew_producer
        self.transaction_timeout_s = transaction_timeout_s
        self.offload_after = offload_after
        self._transactions_ready = False
        self._requests: dict[str, Checkpoint] | None = None  # pushed request id -> its counts
        self._committed: dict[str, Checkpoint] = {}  # source -> what this connector committed

    def run(
        self, source: Source, on_record: Callable[[Checkpoint], None] | None = None
    ) -> RunReport:
        """Publish every record after the last committed checkpoint, in transactions of
        ``checkpoint_every`` records that also carry the checkpoint. A producer that gets stuck
        (a broker lost mid-transaction) is replaced, and the new one resumes from the last
        committed checkpoint: its open transaction is aborted, nothing is written twice."""
        began = time.monotonic()
        first: Checkpoint | None = None
        for renewal in range(RENEWALS + 1):
            totals = self._checkpoint(source.name)
            first = totals if first is None else first
            try:
                report = self._run_once(source, on_record, totals)
            except (StuckTransaction, KafkaTimeoutError) as stuck:
                if self.renew_producer is None or renewal == RENEWALS:
                    raise
                log.warning("connector %s: %s; a new producer resumes from the last "
                            "checkpoint", self.name, stuck)  # fmt: skip
                self._renew()
                continue
            this_run = report.totals.read - first.read
            return replace(report, this_run_read=this_run, seconds=time.monotonic() - began)
        raise AssertionError("unreachable: the last renewal re-raises")

    def _run_once(
        self, source: Source, on_record: Callable[[Checkpoint], None] | None, totals: Checkpoint
    ) -> RunReport:
        """One producer's go, from the checkpoint ``totals``."""
        began = time.monotonic()
        self._ensure_transactions()
        self._remember_done(source, totals.sequence)
        read_now = 0
        self.producer.begin_transaction()
        try:
            with contextlib.closing(self._encode_all(source.records(totals.sequence))) as encoded:
                for record, (published, key, value) in encoded:
                    read_now += 1
                    self._publish(published, key, value)
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
        except StuckTransaction:
            raise  # an abort would hang just the same; the next producer fences this one
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
        except StuckTransaction:
            if self.renew_producer is not None:
                self._renew()  # the client sends the request again; the new producer serves it
            raise
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
            self._in_time(self.producer.abort_transaction, "abort")

    def _in_time(self, action: Callable[[], None], what: str) -> None:
        """``action`` (a commit or abort), or StuckTransaction if it has not ended in time."""
        failed: list[BaseException] = []

        def act() -> None:
            try:
                action()
            except BaseException as error:  # handed to the caller's thread
                failed.append(error)

        # A daemon thread: if the producer never answers, the thread is left behind with it.
        worker = threading.Thread(target=act, name=f"{self.name}-{what}", daemon=True)
        worker.start()
        worker.join(self.transaction_timeout_s)
        if worker.is_alive():
            raise StuckTransaction(
                f"the transaction {what} took more than {self.transaction_timeout_s:g} s"
            )
        if failed:
            raise failed[0]

    def _renew(self) -> None:
        assert self.renew_producer is not None
        with contextlib.suppress(Exception):
            self.producer.close(timeout=0)
        self.producer = self.renew_producer()
        self._transactions_ready = False

    def _ensure_transactions(self) -> None:
        if not self._transactions_ready:
            self.producer.init_transactions()  # fences an earlier incarnation, aborts its batch
            self._transactions_ready = True

    def _encode_all(
        self, records: Iterable[SourceRecord]
    ) -> Generator[tuple[SourceRecord, Encoded], None, None]:
        """Each record with its encoded event or dead letter, in order: here for the first
        ``offload_after``, then in a forked process that carries on from this one's state."""
        records = iter(records)
        for record in itertools.islice(records, self.offload_after):
            yield record, self._encode(record)[1]
        if self.offload_after is None:
            return
        with EvaluationProcess(self._encoded, self.name) as evaluation:
            yield from evaluation.encode_all(records)

    def _send(self, record: SourceRecord) -> dict[str, Any] | list[str]:
        """Publish the event, or its dead letter; returns the event or the reasons."""
        outcome, encoded = self._encode(record)
        self._publish(*encoded)
        return outcome

    def _publish(self, published: bool, key: bytes, value: bytes) -> None:
        self.producer.send(
            self.topic if published else self.dead_letter_topic, key=key, value=value
        )

    def _encoded(self, record: SourceRecord) -> Encoded:
        return self._encode(record)[1]

    def _encode(self, record: SourceRecord) -> tuple[dict[str, Any] | list[str], Encoded]:
        """The event or the reasons it is refused, and what goes on the wire for it."""
        outcome = self.evaluator.evaluate(record)
        if isinstance(outcome, dict):
            key_value = outcome.get(self.mapping.spec.key_field) or outcome["envelope"]["event_id"]
            return outcome, Encoded(True, str(key_value).encode(), encode(self.schema, outcome))
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
        return outcome, Encoded(False, self.name.encode(), value)

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

    def _checkpoint(self, source: str) -> Checkpoint:
        """The last committed checkpoint of ``source``: the topic's, or the one this connector
        committed itself if the topic does not show it yet (a transaction's commit markers
        reach the partitions just after ``commit_transaction`` returns, so a run started at
        once could otherwise resume before its own last batch)."""
        loaded = self.checkpoints.load(self.name, source)
        own = self._committed.get(source)
        return own if own is not None and own.read > loaded.read else loaded

    def _commit(self, source: str, totals: Checkpoint) -> None:
        self.producer.send(
            self.checkpoints.topic,
            key=checkpoint_key(self.name, source),
            value=encode_checkpoint(totals),
        )
        # Flushes; raises if the broker refused anything.
        self._in_time(self.producer.commit_transaction, "commit")
        self._committed[source] = totals
