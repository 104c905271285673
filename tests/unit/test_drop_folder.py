"""The drop folder hands out each file once it is complete, and again only when it changes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from connectors.sources.files import CsvSource
from connectors.sources.folder import DropFolder


def _folder(path: Path, settle: float = 0.0) -> DropFolder:
    return DropFolder(path, "*.csv", CsvSource, settle_seconds=settle)


def _names(folder: DropFolder) -> list[str]:
    return [source.name for source in folder.changed()]


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_new_files_oldest_first_then_only_changed_ones(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("h\n1\n")
    (tmp_path / "a.csv").write_text("h\n1\n")
    _age(tmp_path / "b.csv", 20)
    _age(tmp_path / "a.csv", 10)
    folder = _folder(tmp_path)
    assert _names(folder) == ["b.csv", "a.csv"]
    assert _names(folder) == []
    with (tmp_path / "a.csv").open("a") as grown:
        grown.write("2\n")
    assert _names(folder) == ["a.csv"]


def test_files_being_written_are_left_for_later(tmp_path: Path) -> None:
    (tmp_path / "c.csv.part").write_text("h\n")
    (tmp_path / ".d.csv").write_text("h\n")
    (tmp_path / "notes.txt").write_text("not a csv")
    (tmp_path / "e.csv").write_text("h\n1\n")  # just written: not settled yet
    folder = _folder(tmp_path, settle=30)
    assert _names(folder) == []
    _age(tmp_path / "e.csv", 60)
    assert _names(folder) == ["e.csv"]
