"""Writing a planned record the way a department's system would: its own column names and value
spellings, read backwards from the very mapping the connector uses, so the two cannot drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connectors.mapping import Mapping
from connectors.synthetic.context import ZONE
from connectors.synthetic.plan import Planned
from streams.contracts.codes import CodeLists

#: Excel's day zero (1900 date system)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 -- Excel serials carry no zone


@dataclass(frozen=True)
class Style:
    """How one department writes dates, times and numbers."""

    datetime_format: str | None = "%Y-%m-%d %H:%M:%S"  # None: native (naive local) datetimes
    date_format: str | None = "%Y-%m-%d"
    excel_serials: bool = False  # dates and times as Excel serial numbers
    numbers_as_text: bool = False  # CSV: everything is text
    booleans: tuple[Any, Any] = ("是", "否")


def excel_serial(moment: datetime | date) -> float:
    if isinstance(moment, datetime):
        naive = moment.astimezone(ZONE).replace(tzinfo=None)
    else:
        naive = datetime(moment.year, moment.month, moment.day)  # noqa: DTZ001
    return round((naive - _EXCEL_EPOCH).total_seconds() / 86_400, 8)


class NativeWriter:
    """Renders planned records of one mapping as native rows (column -> cell value)."""

    def __init__(self, mapping: Mapping, codes: CodeLists, style: Style) -> None:
        self.mapping = mapping
        self.codes = codes
        self.style = style
        spec = mapping.spec
        self.spellings = {
            name: {canonical: native for native, canonical in reversed(field.values.items())}
            for name, field in spec.fields.items()
        }

    def columns(self, extra: tuple[str, ...] = ()) -> list[str]:
        spec = self.mapping.spec
        names = [spec.natural_key]
        names += [field.column for field in spec.fields.values() if field.column]
        names += [spec.occurred_at.column, spec.reported_at.column]
        if spec.person_id_column:
            names.append(spec.person_id_column)
        names += extra
        return list(dict.fromkeys(names))

    def row(self, planned: Planned) -> dict[str, Any]:
        spec = self.mapping.spec
        row: dict[str, Any] = {}
        for name, field in spec.fields.items():
            if field.column is not None:
                row[field.column] = self.cell(name, planned.payload.get(name))
        row[spec.natural_key] = planned.natural_key  # wins over the payload's copy of the id
        row.setdefault(spec.occurred_at.column, self.moment(planned.occurred))
        row.setdefault(spec.reported_at.column, self.moment(planned.reported))
        if spec.person_id_column:
            row[spec.person_id_column] = planned.person_id
        for column, value in planned.extra.items():
            row[column] = self.moment(value) if isinstance(value, datetime) else value
        return row

    def cell(self, name: str, value: Any) -> Any:
        field = self.mapping.spec.fields[name]
        if value is None:
            return None
        if field.codes in ("accident_types", "od_categories"):
            return getattr(self.codes, field.codes).codes[value].zh
        if field.values:
            return self.spellings[name][value]
        if isinstance(value, bool):
            return self.style.booleans[0 if value else 1]
        if isinstance(value, datetime):
            return self.moment(value)
        if isinstance(value, date):
            return self.day(value)
        if isinstance(value, int | float) and self.style.numbers_as_text:
            return str(value)
        return value

    def moment(self, value: datetime) -> Any:
        if self.style.excel_serials:
            return excel_serial(value)
        local = value.astimezone(ZONE)
        if self.style.datetime_format is None:
            return local.replace(tzinfo=None)
        return local.strftime(self.style.datetime_format)

    def day(self, value: date) -> Any:
        if self.style.excel_serials:
            return excel_serial(value)
        if self.style.date_format is None:
            return datetime(value.year, value.month, value.day)  # noqa: DTZ001 -- a cell date
        return value.strftime(self.style.date_format)
