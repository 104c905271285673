"""Durable connector progress: the last source sequence the broker acknowledged, with the running
counts, written atomically together so that a restart resumes where the last checkpoint ended."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Checkpoint:
    sequence: int | None = None  # None: nothing done yet
    read: int = 0
    published: int = 0
    rejected: int = 0


class CheckpointStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, connector: str, source: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{connector}__{source}")
        return self.folder / f"{safe}.json"

    def load(self, connector: str, source: str) -> Checkpoint:
        path = self._path(connector, source)
        if not path.exists():
            return Checkpoint()
        return Checkpoint(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, connector: str, source: str, checkpoint: Checkpoint) -> None:
        path = self._path(connector, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(asdict(checkpoint), handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)  # atomic: a kill leaves the old or the new, never half
