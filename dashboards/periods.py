"""The reporting periods the dashboards filter by: a year ``2025``, a quarter ``2025-Q3`` or a
month ``2025-07`` — the labels of the hub's YEAR, QUARTER and MONTH cells — with the period
before (环比) and the same period a year earlier (同比)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


class PeriodError(ValueError):
    """A period label the dashboards do not know."""


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    month: int | None = None

    @classmethod
    def parse(cls, label: str) -> Period:
        found = _PERIOD.match(label.strip())
        if found is None:
            raise PeriodError(
                f"period {label!r}: use a year (2025), a quarter (2025-Q3) or a month (2025-07)"
            )
        quarter, month = found["quarter"], found["month"]
        return cls(int(found["year"]), int(quarter) if quarter else None,
                   int(month) if month else None)  # fmt: skip

    @property
    def window(self) -> str:
        """The hub's window kind of this period."""
        return "MONTH" if self.month else "QUARTER" if self.quarter else "YEAR"

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)

    def previous(self) -> Period:
        """The period just before (环比); a year's is the year before."""
        if self.month:
            return Period(self.year - (self.month == 1), month=(self.month - 2) % 12 + 1)
        if self.quarter:
            return Period(self.year - (self.quarter == 1), quarter=(self.quarter - 2) % 4 + 1)
        return Period(self.year - 1)

    def year_earlier(self) -> Period:
        """The same period a year earlier (同比)."""
        return Period(self.year - 1, self.quarter, self.month)

    def months(self) -> list[str]:
        """The month labels it covers."""
        if self.month:
            return [self.label]
        first, last = ((self.quarter - 1) * 3 + 1, self.quarter * 3) if self.quarter else (1, 12)
        return [f"{self.year}-{m:02d}" for m in range(first, last + 1)]
