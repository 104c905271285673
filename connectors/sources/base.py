"""What every source kind yields: one record at a time, with where it came from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

#: Where a source is: a line, row or key number; or (updated-at, key) for a table polled by an
#: updated-at column, where rows come back when they change.
Cursor = int | tuple[str, int]


@dataclass(frozen=True)
class SourceRecord:
    """One native record as the department exported it."""

    source: str  # file path, table name or endpoint
    position: str  # human-readable: "accidents.csv:17", "accidents#42", "request 9f…"
    sequence: Cursor  # increasing within the source; what a checkpoint remembers
    fields: dict[str, Any]  # native column name -> value (None for empty cells)
    raw: str  # the record as read, for the dead letter
    problem: str | None = None  # set when the record could not even be read (bad encoding, …)


class Source(Protocol):
    @property
    def name(self) -> str:
        """Names the source in checkpoints and reports (a file name, a table)."""
        ...

    def records(self, after: Cursor | None) -> Iterator[SourceRecord]:
        """Records with sequence greater than ``after`` (None: from the start), in order."""
        ...


def is_past(cursor: Cursor, mark: Cursor) -> bool:
    """Whether ``cursor`` lies beyond ``mark`` (both of one source, so of one kind)."""
    if isinstance(cursor, tuple) and isinstance(mark, tuple):
        return cursor > mark
    if isinstance(cursor, int) and isinstance(mark, int):
        return cursor > mark
    raise ValueError(f"cursors {cursor!r} and {mark!r} belong to different kinds of source")


def numbered_after(after: Cursor | None) -> int:
    """The number a line- or key-numbered source resumes after (0: from the start)."""
    if isinstance(after, tuple):
        raise ValueError(f"checkpoint {after!r} belongs to an updated-at table, not this source")
    return 0 if after is None else after
