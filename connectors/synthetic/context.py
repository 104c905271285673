"""What every part of the synthetic year shares: the seeded random source, the calendar, the
registry, running serial numbers and the records planned so far."""

from __future__ import annotations

import calendar
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.synthetic.plan import Planned, make_resident_id
from connectors.synthetic.profile import SEASONALITY
from connectors.synthetic.registry import Enterprise
from streams.contracts.codes import CodeLists

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass
class YearContext:
    rng: random.Random
    year: int
    enterprises: list[Enterprise]
    codes: CodeLists
    planned: dict[str, list[Planned]] = field(default_factory=lambda: defaultdict(list))
    #: the same accident reported by two departments: (sector regulator's report, 应急's report)
    accident_links: list[tuple[Planned, Planned]] = field(default_factory=list)
    #: (enterprise, occurred minute, accident type) of every accident so far
    accident_keys: set[tuple[str, datetime, str]] = field(default_factory=set)
    _serials: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def serial(self, prefix: str) -> str:
        self._serials[prefix] += 1
        return f"{prefix}{self.year}{self._serials[prefix]:06d}"

    def add(self, record: Planned) -> Planned:
        self.planned[record.mapping].append(record)
        return record

    def month(self) -> int:
        """A month (1-12) drawn with the seasonality."""
        return self.rng.choices(range(1, 13), SEASONALITY)[0]

    def moment(self, month: int | None = None, hours: tuple[int, int] = (7, 19)) -> datetime:
        """A local working-hours moment in ``month`` (drawn with the seasonality if None)."""
        month = month or self.month()
        day = self.rng.randint(1, calendar.monthrange(self.year, month)[1])
        return datetime(
            self.year,
            month,
            day,
            self.rng.randint(*hours),
            self.rng.randrange(60),
            self.rng.randrange(60),
            tzinfo=ZONE,
        )

    def later(self, moment: datetime, min_days: float, max_days: float) -> datetime:
        seconds = self.rng.uniform(min_days, max_days) * 86_400
        return moment + timedelta(seconds=round(seconds))

    def poisson(self, mean: float) -> int:
        """Knuth's method; the means here are small (a few per enterprise-month)."""
        if mean <= 0:
            return 0
        if mean > 50:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    def person(self, on: date) -> str:
        """A clear resident ID of a worker aged 19-59 on ``on`` (80 % men)."""
        age = self.rng.randint(19, 59)
        born = date(on.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        return make_resident_id(self.rng, born, self.rng.random() < 0.8)

    def each(self, per_year: float, enterprises: list[Enterprise]) -> list[Enterprise]:
        """The enterprises concerned by ``per_year`` events each (Poisson), one entry per event."""
        return [e for e in enterprises for _ in range(self.poisson(per_year))]

    def record(
        self,
        mapping: str,
        key: str,
        e: Enterprise,
        occurred: datetime,
        delay_days: tuple[float, float],
        payload: dict[str, Any],
        person: bool = False,
    ) -> Planned:
        """A record of ``e``, reported ``delay_days`` after it occurred (about a worker, with a
        resident ID, if ``person``)."""
        record = Planned(
            mapping,
            key,
            occurred,
            self.later(occurred, *delay_days),
            payload,
            e.district,
            e.industry.code,
            self.person(occurred.date()) if person else None,
        )
        return self.add(record)

    def of(self, enterprise: Enterprise, **payload: Any) -> dict[str, Any]:
        """A payload naming ``enterprise`` (the field most events key on)."""
        return {"enterprise_id": enterprise.uscc, **payload}
