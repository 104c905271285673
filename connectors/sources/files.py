"""File sources: CSV (UTF-8 or GBK/GB18030), JSON Lines and Excel ``.xlsx``.

Sequence = the line number in the file (the row number in a sheet), so a dead letter says
``accidents.csv:17`` and a restart skips exactly what was done.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from connectors.sources.base import Cursor, SourceRecord, numbered_after

_ENCODINGS_TRIED = ("utf-8-sig", "gb18030")
# An oversized cell must reach validation and be refused there with its size, not stop the file.
csv.field_size_limit(2**31 - 1)


def read_text(path: Path, encoding: str = "auto") -> tuple[str, str]:
    """The file's text and the encoding used. ``auto``: UTF-8 if it decodes strictly, else
    GB18030 (a superset of GBK and GB2312, what Chinese government exports mostly use)."""
    data = path.read_bytes()
    if encoding != "auto":
        return data.decode(encoding), encoding
    for candidate in _ENCODINGS_TRIED:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("auto", data, 0, 1, f"{path} is neither UTF-8 nor GB18030")


@dataclass(frozen=True)
class CsvSource:
    path: Path
    encoding: str = "auto"

    @property
    def name(self) -> str:
        return self.path.name

    def records(self, after: Cursor | None) -> Iterator[SourceRecord]:
        done = numbered_after(after)
        text, _ = read_text(self.path, self.encoding)
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            return
        for values in reader:
            line_number = reader.line_num  # the record's last line: quoted fields may span lines
            if line_number <= done or not any(v.strip() for v in values):
                continue
            position = f"{self.name}:{line_number}"
            raw = _csv_line(values)
            if len(values) != len(header):
                problem = (
                    f"has {len(values)} columns, the header has {len(header)} "
                    "(a truncated or shifted line?)"
                )
                yield SourceRecord(str(self.path), position, line_number, {}, raw, problem)
                continue
            fields = {
                column: (value if value.strip() else None)
                for column, value in zip(header, values, strict=True)
            }
            yield SourceRecord(str(self.path), position, line_number, fields, raw)


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


@dataclass(frozen=True)
class JsonLinesSource:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def records(self, after: Cursor | None) -> Iterator[SourceRecord]:
        done = numbered_after(after)
        text, _ = read_text(self.path)
        for line_number, line in enumerate(io.StringIO(text), start=1):
            if line_number <= done or not line.strip():
                continue
            position = f"{self.name}:{line_number}"
            raw = line.rstrip("\r\n")
            try:
                fields = json.loads(line)
            except json.JSONDecodeError as error:
                problem = f"is not valid JSON ({error.msg} at column {error.colno})"
                yield SourceRecord(str(self.path), position, line_number, {}, raw, problem)
                continue
            if not isinstance(fields, dict):
                problem = "is not a JSON object"
                yield SourceRecord(str(self.path), position, line_number, {}, raw, problem)
                continue
            yield SourceRecord(str(self.path), position, line_number, fields, raw)


_EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!"})


@dataclass(frozen=True)
class XlsxSource:
    path: Path
    sheet: str | None = None  # None: the first sheet

    @property
    def name(self) -> str:
        return self.path.name

    def records(self, after: Cursor | None) -> Iterator[SourceRecord]:
        done = numbered_after(after)
        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = workbook[self.sheet] if self.sheet else workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [str(cell) if cell is not None else "" for cell in next(rows, ())]
            for row_number, row in enumerate(rows, start=2):
                if row_number <= done or all(c is None for c in row):
                    continue
                cells = list(row) + [None] * (len(header) - len(row))
                fields = dict(zip(header, cells, strict=False))
                raw = json.dumps(fields, ensure_ascii=False, default=_cell_text)
                position = f"{self.name}!{sheet.title}:{row_number}"
                errors = [col for col, value in fields.items() if value in _EXCEL_ERRORS]
                problem = f"has Excel error cells in {', '.join(errors)}" if errors else None
                yield SourceRecord(str(self.path), position, row_number, fields, raw, problem)
        finally:
            workbook.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
