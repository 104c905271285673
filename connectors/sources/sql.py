"""SQL table polling: rows after the last committed key, by a monotonic integer column, in key
order and in batches. Works over any DB-API connection (sqlite3 today; psycopg the same way with
``placeholder="%s"``)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from connectors.sources.base import SourceRecord

# Letters (Chinese included), digits and _, optionally schema-qualified.
_IDENTIFIER = re.compile(r"^[^\W\d]\w*(\.[^\W\d]\w*)?$")


def _identifier(name: str, what: str) -> str:
    """Table and column names go into SQL text: only plain identifiers, and quoted."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{what} {name!r} is not a plain SQL identifier (letters, digits, _)")
    return ".".join(f'"{part}"' for part in name.split("."))


@dataclass(frozen=True)
class SqlTableSource:
    connect: Callable[[], Any]  # returns a DB-API 2.0 connection
    table: str
    key_column: str
    placeholder: str = "?"
    batch_size: int = 1000

    @property
    def name(self) -> str:
        return self.table

    def records(self, after: int | None) -> Iterator[SourceRecord]:
        table = _identifier(self.table, "table")
        key = _identifier(self.key_column, "key column")
        query = (
            f"SELECT * FROM {table} WHERE {key} > {self.placeholder} "  # noqa: S608 -- identifiers checked above
            f"ORDER BY {key} LIMIT {int(self.batch_size)}"
        )
        connection = self.connect()
        try:
            last = after if after is not None else -(2**63)
            while True:
                cursor = connection.cursor()
                cursor.execute(query, (last,))
                columns = [column[0] for column in cursor.description]
                rows = cursor.fetchall()
                cursor.close()
                for row in rows:
                    fields = dict(zip(columns, row, strict=True))
                    yield self._record(fields, self.key_column)
                    last = int(fields[self.key_column])
                if len(rows) < self.batch_size:
                    return
        finally:
            connection.close()

    def _record(self, fields: dict[str, Any], key: str) -> SourceRecord:
        value = fields[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{self.table}.{key} must be an integer key, found {value!r}")
        cleaned = {
            column: (None if isinstance(cell, str) and not cell.strip() else cell)
            for column, cell in fields.items()
        }
        raw = json.dumps(fields, ensure_ascii=False, default=_text)
        return SourceRecord(self.table, f"{self.table}#{value}", value, cleaned, raw)


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | bytes):
        return str(value)
    return str(value)


def sqlite_source(path: Path, table: str, key_column: str) -> SqlTableSource:
    def connect() -> sqlite3.Connection:
        # Read-only: a connector never writes to a department's database.
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    return SqlTableSource(connect, table, key_column)


def postgres_source(dsn: str, table: str, key_column: str) -> SqlTableSource:
    def connect() -> Any:
        # Read-only session: a connector never writes to a department's database.
        connection = psycopg.connect(dsn, autocommit=True)
        connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return connection

    return SqlTableSource(connect, table, key_column, placeholder="%s")
