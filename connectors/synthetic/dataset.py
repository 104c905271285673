"""Reading a generated folder back: its manifest, ground truth, and a source for each entry (the
SQL seed is loaded into a database first; the HTTP replay file is read as requests)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from connectors.sources.base import Source, SourceRecord
from connectors.sources.files import CsvSource, XlsxSource
from connectors.sources.sql import postgres_source, sqlite_source
from connectors.synthetic.generate import GROUND_TRUTH, MANIFEST

#: where ``replay`` loads the SQL seed when no PostgreSQL is given
SQLITE_FILE = ".replay/hrss.sqlite"


@dataclass(frozen=True)
class Entry:
    mapping: str
    kind: str  # csv | xlsx | sql | http
    path: str
    encoding: str = "utf-8"
    table: str = ""
    updated_column: str = ""

    @property
    def department(self) -> str:
        return self.mapping.split(".", 1)[0]


class DatasetError(ValueError):
    """The folder is not a generated year; the message says what is missing."""


def read_manifest(folder: Path) -> list[Entry]:
    path = folder / MANIFEST
    if not path.is_file():
        raise DatasetError(f"{folder} has no {MANIFEST}: generate one with `injuryhub generate`")
    return [Entry(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]


def read_ground_truth(folder: Path) -> dict[str, Any]:
    path = folder / GROUND_TRUTH
    if not path.is_file():
        raise DatasetError(f"{folder} has no {GROUND_TRUTH}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_seed_sqlite(seed: Path, database: Path) -> None:
    """Runs the seed once: an existing database is the department's, as it stands."""
    if database.exists():
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_suffix(".loading")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(partial) as connection:
        connection.executescript(seed.read_text(encoding="utf-8"))
    connection.close()
    partial.rename(database)


def load_seed_postgres(seed: Path, dsn: str, tables: list[str]) -> None:
    """Runs the seed (one transaction of its own) unless its tables are already there."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        present = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ANY(%s)", (tables,)
        ).fetchone()
        if present is not None and present[0] == len(tables):
            return
        connection.execute(seed.read_text(encoding="utf-8").encode("utf-8"))


def source_for(entry: Entry, folder: Path, postgres: str | None = None) -> Source:
    path = folder / entry.path
    if entry.kind == "csv":
        return CsvSource(path, entry.encoding)
    if entry.kind == "xlsx":
        return XlsxSource(path, entry.table or None)
    if entry.kind == "sql":
        updated = entry.updated_column or None
        if postgres is not None:
            return postgres_source(postgres, entry.table, "id", updated)
        return sqlite_source(folder / SQLITE_FILE, entry.table, "id", updated)
    raise DatasetError(f"{entry.mapping}: {entry.kind} entries are pushed, not read")


def http_requests(folder: Path, path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, request) for each line of an HTTP replay file."""
    with (folder / path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, json.loads(line)


def native_records(folder: Path) -> dict[str, list[SourceRecord]]:
    """Every record of a generated year as its connector reads it, by mapping: its files and
    tables (the SQLite copy of the seed), and the records of its HTTP requests (without a
    server)."""
    load_seed_sqlite(folder / "hrss" / "hrss.sql", folder / SQLITE_FILE)
    found: dict[str, list[SourceRecord]] = {}
    for entry in read_manifest(folder):
        if entry.kind != "http":
            found[entry.mapping] = list(source_for(entry, folder).records(None))
            continue
        found[entry.mapping] = [
            SourceRecord(
                "http", f"request {request['request_id']} #{i}", i, fields, json.dumps(fields)
            )
            for _, request in http_requests(folder, entry.path)
            if request["mapping"] == entry.mapping
            for i, fields in enumerate(request["records"])
        ]
    return found
