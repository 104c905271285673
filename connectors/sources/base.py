"""What every source kind yields: one record at a time, with where it came from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SourceRecord:
    """One native record as the department exported it."""

    source: str  # file path, table name or endpoint
    position: str  # human-readable: "accidents.csv:17", "accidents#42", "request 9f…"
    sequence: int  # monotonic within the source; what a checkpoint remembers
    fields: dict[str, Any]  # native column name -> value (None for empty cells)
    raw: str  # the record as read, for the dead letter
    problem: str | None = None  # set when the record could not even be read (bad encoding, …)


class Source(Protocol):
    @property
    def name(self) -> str:
        """Names the source in checkpoints and reports (a file name, a table)."""
        ...

    def records(self, after: int | None) -> Iterator[SourceRecord]:
        """Records with sequence greater than ``after`` (None: from the start), in order."""
        ...
