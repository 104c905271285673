"""A planned record: what the generator decided happened, before it is written in a department's
native format (and perhaps spoiled on purpose)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from streams.contracts.identifiers import (
    USCC_ALPHABET,
    resident_id_check_digit,
    uscc_check_char,
)


@dataclass
class Planned:
    mapping: str  # e.g. "emergency.accident-report"
    natural_key: str
    occurred: datetime  # aware
    reported: datetime  # aware
    payload: dict[str, Any]  # canonical field values: codes, enum symbols, dates, numbers
    district: str = ""  # for the ground truth's breakdown
    industry: str = ""
    person_id: str | None = None  # a clear resident ID, which only the connector may see
    extra: dict[str, Any] = field(default_factory=dict)  # native-only columns (updated-at, …)


def make_uscc(rng: random.Random, district: str) -> str:
    """A valid 统一社会信用代码: 9 (market regulator), 1 (enterprise), the district, an
    organisation code and the check character."""
    body = "91" + district + "".join(rng.choice(USCC_ALPHABET[:10]) for _ in range(9))
    return body + uscc_check_char(body)


def make_resident_id(rng: random.Random, born: date, male: bool) -> str:
    """A valid 居民身份证号码 of someone born in Qingdao on ``born``."""
    sequence = rng.randrange(0, 50) * 2 + (1 if male else 0)
    body = f"370200{born:%Y%m%d}{rng.randrange(0, 10)}{sequence:02d}"[:17]
    return body + resident_id_check_digit(body)
