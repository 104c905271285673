"""A table seen through one batch's writes.

A contribution rewrites about ten cells (day to year, its enterprise's, the rolling days), and a
burst of contributions to one district × industry rewrites the same ones again and again. Each
write to a Faust table is a changelog message; through this overlay a batch writes each cell to
the table, and so to its changelog, once. (The rules' enterprise histories use it likewise.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any


class WriteBack(MutableMapping[str, Any]):
    """Reads see the batch's writes first; ``flush`` puts each written key in the table once."""

    def __init__(self, table: MutableMapping[str, Any]) -> None:
        self.table = table
        # A Faust table's own get asks its store twice (``in``, then the value: Table has a
        # __missing__); its store (``data``) answers in one look-up. Writes go through the
        # table, which sends them to its changelog.
        self._reads: Mapping[str, Any] = getattr(table, "data", table)
        self.written: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self.written:
            return self.written[key]
        return self._reads[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.written:
            return self.written[key]
        try:
            return self._reads[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        self.written[key] = value

    def __delitem__(self, key: str) -> None:
        raise NotImplementedError("cells are replaced, never deleted")

    def __iter__(self) -> Iterator[str]:
        yield from self.written
        yield from (key for key in self.table if key not in self.written)

    def __len__(self) -> int:
        return len(self.written) + sum(1 for key in self.table if key not in self.written)

    def flush(self) -> int:
        """Writes the batch's cells to the table; how many."""
        for key, value in self.written.items():
            self.table[key] = value
        flushed = len(self.written)
        self.written.clear()
        return flushed
