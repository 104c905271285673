"""What a connector makes of one native record, before anything is published: the event, or the
reasons a clerk needs to fix it. Pure (no Kafka), so the whole pipeline of checks is testable
without a broker."""

from __future__ import annotations

from typing import Any

from connectors.mapping import Mapped, Mapping
from connectors.mojibake import mojibake_problem
from connectors.pseudonym import Pseudonymiser
from connectors.sources.base import SourceRecord
from streams.contracts.envelope import build_event
from streams.contracts.registry import EventSchema
from streams.contracts.rules import shown
from streams.contracts.validation import EventValidator


class RecordEvaluator:
    """Checks in order: readable, not a repeat, not garbled, mappable, valid; the first stage
    that refuses gives the reasons."""

    def __init__(
        self,
        connector: str,
        mapping: Mapping,
        schema: EventSchema,
        validator: EventValidator,
        pseudonymiser: Pseudonymiser,
    ) -> None:
        self.connector = connector
        self.mapping = mapping
        self.schema = schema
        self.validator = validator
        self.pseudonymiser = pseudonymiser
        #: natural key -> (position, raw record) of the records seen in the current source
        self._seen: dict[str, tuple[str, str]] = {}

    def forget(self) -> None:
        """Start a new source (or request): earlier records no longer count as duplicates."""
        self._seen = {}

    def evaluate(self, record: SourceRecord) -> dict[str, Any] | list[str]:
        """The event a record makes, or the reasons it is refused."""
        if record.problem is not None:
            return [f"{record.position} {record.problem}"]
        if (duplicate := self.duplicate_problem(record)) is not None:
            return [duplicate]
        garbled = [
            f"{column}={shown(value)}: {problem}"
            for column, value in record.fields.items()
            if isinstance(value, str) and (problem := mojibake_problem(value)) is not None
        ]
        if garbled:
            return garbled
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
            f"connector:{self.connector}",
            mapped.payload,
        )
        verdict = self.validator.validate(self.schema, event)
        return event if verdict.ok else verdict.reasons()

    def duplicate_problem(self, record: SourceRecord) -> str | None:
        """Why ``record`` repeats an earlier one of its source, remembering it if it does not."""
        column = self.mapping.spec.natural_key
        key = self.mapping.record_key(record)
        if record.problem is not None or key is None:
            return None
        earlier = self._seen.setdefault(key, (record.position, record.raw))
        if earlier == (record.position, record.raw):
            return None
        position, raw = earlier
        if raw == record.raw:
            return f"{column}={key}: repeats the record at {position}; it is counted once"
        return (
            f"{column}={key}: the record at {position} has the same {column} but different "
            "content; correct the number, or send the change as an update"
        )
