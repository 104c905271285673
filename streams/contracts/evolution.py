"""Schema evolution rules between versions of one event type, checked with the official Avro
library's compatibility checker.

Modes (per event type, ``"injuryhub.compatibility"`` in its newest ``.avsc``):
BACKWARD: the new version reads data written with the previous one; FORWARD: the previous reads
the new; FULL: both; ``*_TRANSITIVE``: against every earlier version, not only the previous;
NONE: no check. The default is BACKWARD_TRANSITIVE: consumers upgrade first and can replay
everything ever written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from streams.contracts.registry import EventSchema, SchemaRegistry

MODES = (
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
)


@dataclass(frozen=True)
class Incompatibility:
    event_type: str
    reader: int  # version that reads
    writer: int  # version that wrote
    mode: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.event_type}: v{self.reader} cannot read data written by v{self.writer} "
            f"({self.mode}): {'; '.join(self.reasons)}"
        )


def check_evolution(registry: SchemaRegistry) -> list[Incompatibility]:
    """Every incompatibility between versions that the event types' modes forbid."""
    problems: list[Incompatibility] = []
    for event_type in registry.event_types:
        versions = registry.versions(event_type)
        newest = versions[-1]
        mode = newest.compatibility
        if mode not in MODES:
            problems.append(
                Incompatibility(
                    event_type,
                    newest.version,
                    newest.version,
                    mode,
                    (
                        f"unknown compatibility mode {mode!r} in {newest.path}; use one of "
                        f"{', '.join(MODES)}",
                    ),
                )
            )
            continue
        if mode == "NONE":
            continue
        for index in range(1, len(versions)):
            new = versions[index]
            earlier = versions[:index] if mode.endswith("_TRANSITIVE") else [versions[index - 1]]
            for old in earlier:
                if mode.startswith(("BACKWARD", "FULL")):
                    problems.extend(_check(new, old, mode))
                if mode.startswith(("FORWARD", "FULL")):
                    problems.extend(_check(old, new, mode))
    return problems


def _official(schema: EventSchema) -> avro.schema.Schema:
    return avro.schema.parse(Path(schema.path).read_text(encoding="utf-8"))


def _check(reader: EventSchema, writer: EventSchema, mode: str) -> list[Incompatibility]:
    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(_official(reader), _official(writer))
    if result.compatibility == SchemaCompatibilityType.compatible:
        return []
    kinds = sorted({kind.value.replace("_", " ") for kind in result.incompatibilities})
    reason = (
        f"{', '.join(kinds)} at {', '.join(sorted(result.locations))} "
        f"({', '.join(sorted(map(str, result.messages)))})"
    )
    return [Incompatibility(reader.event_type, reader.version, writer.version, mode, (reason,))]
