"""Check characters of the two national identifiers the departments use.

- 统一社会信用代码 USCC, GB 32100-2015: 18 characters over a 31-character alphabet, the last a
  MOD 31 check character.
- 居民身份证号码 resident ID, GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check digit.

Messages about a resident ID never quote it: a clear ID must not reach a log or a dead letter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    total = sum(
        USCC_ALPHABET.index(char) * w for char, w in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


#: Distinct credit codes whose verdicts are kept: a year's reports name far fewer enterprises
#: than they hold records, and a connector checks every one.
USCC_VERDICTS = 65_536


@functools.lru_cache(maxsize=USCC_VERDICTS)
def uscc_problem(value: str) -> str | None:
    """Why ``value`` is not a valid USCC, or None."""
    if len(value) != 18:
        return f"must have 18 characters, has {len(value)}"
    bad = sorted({char for char in value if char not in USCC_ALPHABET})
    if bad:
        return (
            f"contains {''.join(bad)!r}, not in the GB 32100 alphabet "
            "(digits and A-Y without I O S V Z)"
        )
    if not value[2:8].isdigit():
        return "characters 3-8 must be the 6-digit administrative division code"
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return f"check character is {value[17]!r}, GB 32100 gives {expected!r}"
    return None


def resident_id_check_digit(first17: str) -> str:
    total = sum(int(digit) * w for digit, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    """What the hub may keep of a resident ID once it is pseudonymised."""

    birth_date: date
    gender: str  # "M" or "F": the 17th digit, odd for men


def resident_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid resident ID, or None. Never quotes the value."""
    if len(value) != 18:
        return f"must have 18 characters, has {len(value)}"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] in "Xx"):
        return "must be 17 digits and a check digit (0-9 or X)"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "characters 7-14 are not a valid birth date (YYYYMMDD)"
    if value[17].upper() != resident_id_check_digit(value[:17]):
        return "check digit does not match (GB 11643 ISO 7064 MOD 11-2)"
    return None


def parse_resident_id(value: str) -> ResidentId:
    problem = resident_id_problem(value)
    if problem is not None:
        raise ValueError(f"resident ID {problem}")
    birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    return ResidentId(birth_date=birth, gender="M" if int(value[16]) % 2 else "F")


MASK = "[身份证号已遮蔽 ID masked]"
# 18-digit IDs (last may be X) and old 15-digit ones, not inside a longer run of digits.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_resident_ids(text: str) -> str:
    """``text`` with anything shaped like a resident ID masked (for dead letters and logs)."""
    return _RESIDENT_ID.sub(MASK, text)
