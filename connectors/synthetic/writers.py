"""The native formats: CSV (GBK or UTF-8), Excel workbooks, a SQL seed and an HTTP replay file.
Each writer returns the position of every row exactly as the connector will report it, so the
ground truth can name where each bad record sits."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from connectors.synthetic.spoil import Bad


@dataclass
class Row:
    values: dict[str, Any]
    bad: Bad | None = None


def write_csv(path: Path, header: list[str], rows: list[Row], encoding: str) -> list[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        values = ["" if row.values.get(c) is None else str(row.values[c]) for c in header]
        layout = row.bad.layout if row.bad else None
        if layout == "extra-column":
            values.insert(3, "备注")  # a stray comma in an unquoted cell shifts the row right
        if layout == "truncated":
            values = values[: max(2, len(values) // 3)]  # the export stopped mid-line
        writer.writerow(values)
    text = buffer.getvalue()
    if rows and rows[-1].bad and rows[-1].bad.layout == "truncated":
        text = text.removesuffix("\r\n")
    path.write_bytes(text.encode(encoding))
    return [f"{path.name}:{line}" for line in range(2, len(rows) + 2)]


def write_xlsx(path: Path, header: list[str], rows: list[Row], sheet: str) -> list[str]:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(header)
    for row in rows:
        worksheet.append([row.values.get(column) for column in header])
    workbook.save(path)
    return [f"{path.name}!{sheet}:{number}" for number in range(2, len(rows) + 2)]


@dataclass(frozen=True)
class SqlTable:
    name: str
    header: list[str]
    types: dict[str, str]  # column -> SQL type; TEXT when absent
    rows: list[Row]


def write_sql(path: Path, tables: list[SqlTable]) -> dict[str, list[str]]:
    """Plain SQL that both SQLite and PostgreSQL run: one table per record kind, ``id`` first."""
    positions: dict[str, list[str]] = {}
    with path.open("w", encoding="utf-8") as out:
        out.write("-- 人社局业务库导出 (synthetic): runs in sqlite3 and psql, in one transaction\n")
        out.write("BEGIN;\n")
        for table in tables:
            columns = ", ".join(f'"{c}" {table.types.get(c, "TEXT")}' for c in table.header)
            out.write(f'CREATE TABLE "{table.name}" ("id" BIGINT PRIMARY KEY, {columns});\n')
            names = ", ".join(f'"{c}"' for c in ["id", *table.header])
            insert = f'INSERT INTO "{table.name}" ({names}) VALUES'
            for number, row in enumerate(table.rows, start=1):
                literals = ", ".join(_literal(row.values.get(c)) for c in table.header)
                out.write(f"{insert} ({number}, {literals});\n")
            positions[table.name] = [f"{table.name}#{n}" for n in range(1, len(table.rows) + 1)]
        out.write("COMMIT;\n")
    return positions


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        value = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


def write_http(path: Path, requests: list[tuple[str, str, list[Row]]]) -> list[list[str]]:
    """One JSON line per request: ``{"mapping", "request_id", "records"}``."""
    positions = []
    with path.open("w", encoding="utf-8") as out:
        for mapping, request_id, rows in requests:
            records = [row.values for row in rows]
            line = {"mapping": mapping, "request_id": request_id, "records": records}
            out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            positions.append([f"request {request_id} #{i}" for i in range(len(rows))])
    return positions
