"""A drop folder: departments (or their export jobs) put files in it; each new or grown file is
a source of its own, resumed from its own checkpoint.

A file still being written must not be read half-way: names starting with ``.`` or ending in
``.part``/``.tmp`` are ignored (write, then rename), and so is a file changed within the last
``settle_seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from connectors.sources.base import Source

_PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload")


@dataclass
class DropFolder:
    folder: Path
    pattern: str
    open_file: Callable[[Path], Source]  # a file -> its source (by suffix)
    settle_seconds: float = 1.0
    #: path -> (size, modification time) when it was last handed out
    _handed: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def changed(self) -> list[Source]:
        """Files new or changed since the last call, oldest first."""
        now = time.time()
        ready = []
        for path in self.folder.glob(self.pattern):
            if not path.is_file() or path.name.startswith(".") or path.suffix in _PARTIAL_SUFFIXES:
                continue
            stat = path.stat()
            if now - stat.st_mtime < self.settle_seconds:
                continue  # still being written; next time
            signature = (stat.st_size, stat.st_mtime_ns)
            if self._handed.get(path) != signature:
                ready.append((stat.st_mtime_ns, path.name, path, signature))
        ready.sort()
        for _, _, path, signature in ready:
            self._handed[path] = signature
        return [self.open_file(path) for _, _, path, _ in ready]
