"""Turning native cell values into typed values, with a reason when it cannot be done.

Spreadsheets give floats for integers, serial numbers or naive datetimes for dates, and strings in
any of several formats; each converter accepts what departments really send and says plainly what
it refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

#: Excel's day zero for the 1900 date system (it counts the non-existent 1900-02-29).
_EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 -- serials carry no zone; one is added later


class ConversionError(ValueError):
    """The message says what the value is not."""


def to_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns codes such as 370211 into 370211.0
    return str(value).strip()


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ConversionError("is a yes/no value, not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(",", "")
    try:
        return int(text)
    except ValueError:
        raise ConversionError("is not a whole number") from None


def to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ConversionError("is a yes/no value, not a number")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        raise ConversionError("is not a number") from None


def to_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "是", "有"}:
        return True
    if text in {"0", "false", "no", "n", "否", "无"}:
        return False
    raise ConversionError("is not yes/no (是/否)")


def to_datetime(value: Any, formats: tuple[str, ...], zone: ZoneInfo) -> datetime:
    """An aware datetime; naive values are taken as local time in ``zone``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)  # noqa: DTZ001 -- zone added below
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's valid serial range, 1900-01-01 .. 9999-12-31
            raise ConversionError("is not an Excel date serial number")
        # to the millisecond: a serial's float error must not turn midnight into 23:59:59.999
        moment = _EXCEL_EPOCH + timedelta(milliseconds=round(float(value) * 86_400_000))
    else:
        moment = _parse(str(value).strip(), formats)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def to_date(value: Any, formats: tuple[str, ...], zone: ZoneInfo) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return to_datetime(value, formats, zone).date()


#: ISO shapes that ``datetime.fromisoformat`` reads exactly as ``strptime`` would, much faster
_ISO_SHAPES = {19: "%Y-%m-%d %H:%M:%S", 16: "%Y-%m-%d %H:%M", 10: "%Y-%m-%d"}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


def _parse(text: str, formats: tuple[str, ...]) -> datetime:
    if _ISO_SHAPES.get(len(text)) in formats and _ISO.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # e.g. month 13: the formats below say why
    for pattern in formats:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 -- zone added by the caller
        except ValueError:
            continue
    raise ConversionError(f"matches none of the date formats {', '.join(formats)}")
