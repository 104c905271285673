"""SQL table polling: rows after the last committed key, by a monotonic integer column, or by an
updated-at column (with the key breaking ties), in order and in batches. Works over any DB-API
connection (sqlite3; psycopg the same way with ``placeholder="%s"``)."""

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

from connectors.sources.base import Cursor, SourceRecord, numbered_after

# Letters (Chinese included), digits and _, optionally schema-qualified.
_IDENTIFIER = re.compile(r"^[^\W\d]\w*(\.[^\W\d]\w*)?$")


def _identifier(name: str, what: str) -> str:
    """Table and column names go into SQL text: only plain identifiers, and quoted."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{what} {name!r} is not a plain SQL identifier (letters, digits, _)")
    return ".".join(f'"{part}"' for part in name.split("."))


@dataclass(frozen=True)
class SqlTableSource:
    """Polls ``table`` by its increasing integer ``key_column``; or, with ``updated_column``, by
    (updated-at, key), so that a row changed since the last poll comes back as a new version.
    The updated-at column must be NOT NULL (a row without it could never be polled) and stamped
    by a clock when the row changes, later than every earlier stamp: a change stamped with an
    older time sorts behind the checkpoint and is not seen."""

    connect: Callable[[], Any]  # returns a DB-API 2.0 connection
    table: str
    key_column: str
    placeholder: str = "?"
    batch_size: int = 1000
    updated_column: str | None = None

    @property
    def name(self) -> str:
        return self.table

    def records(self, after: Cursor | None) -> Iterator[SourceRecord]:
        table = _identifier(self.table, "table")
        key = _identifier(self.key_column, "key column")
        connection = self.connect()
        try:
            if self.updated_column is None:
                yield from self._by_key(connection, table, key, numbered_after(after))
            else:
                updated = _identifier(self.updated_column, "updated-at column")
                if after is not None and not isinstance(after, tuple):
                    raise ValueError(
                        f"checkpoint {after!r} is a key, but {self.table} is polled by updated-at"
                    )
                yield from self._by_update(connection, table, key, updated, after)
        finally:
            connection.close()

    def _by_key(self, connection: Any, table: str, key: str, last: int) -> Iterator[SourceRecord]:
        mark = self.placeholder
        query = (
            f"SELECT * FROM {table} WHERE {key} > {mark} "  # noqa: S608 -- identifiers checked
            f"ORDER BY {key} LIMIT {int(self.batch_size)}"
        )
        while True:
            rows = self._fetch(connection, query, (last,))
            for fields in rows:
                last = self._key(fields)
                yield self._record(fields, last)
            if len(rows) < self.batch_size:
                return

    def _by_update(
        self, connection: Any, table: str, key: str, updated: str, after: tuple[str, int] | None
    ) -> Iterator[SourceRecord]:
        mark = self.placeholder
        order = f"ORDER BY {updated}, {key} LIMIT {int(self.batch_size)}"
        first = f"SELECT * FROM {table} {order}"  # noqa: S608 -- identifiers checked
        later = (
            f"SELECT * FROM {table} WHERE {updated} > {mark} "  # noqa: S608 -- identifiers checked
            f"OR ({updated} = {mark} AND {key} > {mark}) {order}"
        )
        while True:
            if after is None:
                rows = self._fetch(connection, first, ())
            else:
                rows = self._fetch(connection, later, (after[0], after[0], after[1]))
            for fields in rows:
                stamp = fields[self.updated_column or ""]
                if stamp is None:
                    raise ValueError(
                        f"{self.table}.{self.updated_column} is empty in a row; it must be NOT NULL"
                    )
                after = (_stamp_text(stamp), self._key(fields))
                yield self._record(fields, after)
            if len(rows) < self.batch_size:
                return

    def _fetch(
        self, connection: Any, query: str, parameters: tuple[Any, ...]
    ) -> list[dict[str, Any]]:
        cursor = connection.cursor()
        try:
            cursor.execute(query, parameters)
            columns = [column[0] for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def _key(self, fields: dict[str, Any]) -> int:
        value = fields[self.key_column]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(
                f"{self.table}.{self.key_column} must be an integer key, found {value!r}"
            )
        return value

    def _record(self, fields: dict[str, Any], sequence: Cursor) -> SourceRecord:
        value = fields[self.key_column]
        cleaned = {
            column: (None if isinstance(cell, str) and not cell.strip() else cell)
            for column, cell in fields.items()
        }
        raw = json.dumps(fields, ensure_ascii=False, default=_text)
        return SourceRecord(self.table, f"{self.table}#{value}", sequence, cleaned, raw)


def _stamp_text(stamp: Any) -> str:
    """An updated-at value as text that compares like the column: ISO with a space."""
    if isinstance(stamp, datetime):
        return stamp.isoformat(sep=" ")
    return str(stamp)


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | bytes):
        return str(value)
    return str(value)


def sqlite_source(
    path: Path, table: str, key_column: str, updated_column: str | None = None
) -> SqlTableSource:
    def connect() -> sqlite3.Connection:
        # Read-only: a connector never writes to a department's database.
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    return SqlTableSource(connect, table, key_column, updated_column=updated_column)


def postgres_source(
    dsn: str, table: str, key_column: str, updated_column: str | None = None
) -> SqlTableSource:
    def connect() -> Any:
        # Read-only session: a connector never writes to a department's database.
        connection = psycopg.connect(dsn, autocommit=True)
        connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return connection

    return SqlTableSource(
        connect, table, key_column, placeholder="%s", updated_column=updated_column
    )
