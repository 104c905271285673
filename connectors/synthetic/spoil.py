"""The bad-input corpus: ways department records really go wrong, each applied to a copy of a good
record in the file where that fault occurs, with the words its dead letter must contain.

A spoiler changes one thing, so the record is refused for that reason. Kinds that damage the file
rather than a value (a truncated last line, a shifted row, a repeated row) are marked for the
writer via ``Bad.layout``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.synthetic.native import NativeWriter


@dataclass(frozen=True)
class Bad:
    kind: str
    reason: str  # words the dead letter's reasons must contain
    layout: str | None = None  # "truncated" | "extra-column" | "repeat" | "same-key"


Row = dict[str, Any]
Spoiler = Callable[[Row, NativeWriter, random.Random], str]


def _column(writer: NativeWriter, field: str) -> str:
    column = writer.mapping.spec.fields[field].column
    assert column is not None, field
    return column


def _setter(field: str, value: Any, reason: str) -> Spoiler:
    def spoil(row: Row, writer: NativeWriter, rng: random.Random) -> str:
        row[_column(writer, field)] = value
        return reason

    return spoil


def _time_column(which: str) -> Callable[[NativeWriter], str]:
    return lambda writer: getattr(writer.mapping.spec, which).column


def _uscc_check(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    column = _column(writer, "payee_uscc")
    value = row[column]
    row[column] = value[:17] + ("1" if value[17] != "1" else "2")
    return "check character is"


def _resident_id(change: Callable[[str], str], reason: str) -> Spoiler:
    def spoil(row: Row, writer: NativeWriter, rng: random.Random) -> str:
        column = writer.mapping.spec.person_id_column
        assert column is not None
        row[column] = change(row[column])
        return reason

    return spoil


def _check_digit(value: str) -> str:
    return value[:17] + ("0" if value[17] != "0" else "1")


def _birth_month_13(value: str) -> str:
    return value[:10] + "13" + value[12:]


def _future(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    for which in ("occurred_at", "reported_at"):
        column = _time_column(which)(writer)
        row[column] = "2099" + str(row[column])[4:]
    return "is in the future"


def _reported_first(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    occurred = _time_column("occurred_at")(writer)
    reported = _time_column("reported_at")(writer)
    row[reported] = row[occurred] - timedelta(days=2)  # housing writes real datetime cells
    return "is before occurred_at"


def _victims(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    row[_column(writer, "deaths")] = "2"
    row[_column(writer, "serious_injuries")] = "1"
    row[_column(writer, "minor_injuries")] = "0"
    row[_column(writer, "victims")] = "1"
    return "is fewer than the 3 people killed or injured"


def _grade(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    row[_column(writer, "deaths")] = "0"
    row[_column(writer, "serious_injuries")] = "1"
    row[_column(writer, "direct_loss_wan_cny")] = "20.0"
    row[_column(writer, "grade")] = "重大事故"
    return "disagrees with 0 deaths"


def _garble_utf8_as_gbk(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    """The accident type, garbled the way a GBK export of UTF-8 text garbles it; some names turn
    into characters GBK itself cannot hold, so the first that a GBK file can carry is used."""
    column = _column(writer, "accident_type")
    names = [str(row[column])] + [code.zh for code in writer.codes.accident_types.codes.values()]
    for text in names:
        garbled = text.encode("utf-8").decode("gb18030", errors="replace")
        try:
            garbled.encode("gbk")
        except UnicodeEncodeError:
            continue
        if garbled.encode("gb18030").decode("utf-8", errors="replace") == text:
            row[column] = garbled
            return "UTF-8 text read as GBK"
    raise AssertionError("no accident type name garbles into GBK")


def _garble_gbk_as_latin1(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    column = _column(writer, "topic")
    row[column] = str(row[column]).encode("gb18030").decode("latin-1")
    return "GBK text read as Latin-1"


def _lost(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    column = _column(writer, "description")
    row[column] = "锟斤拷" + str(row[column])[3:]
    return "characters were lost"


def _serial(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    row[_time_column("occurred_at")(writer)] = -2.0
    return "is not an Excel date serial number"


def _ends_first(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    starts = _column(writer, "starts_on")
    row[_column(writer, "ends_on")] = row[starts][:4] + "-01-01"
    row[starts] = row[starts][:4] + "-12-31"
    return "is before starts_on"


def _missing_key(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    row[writer.mapping.spec.natural_key] = None
    return "it identifies the record"


def _drop_key(field: str) -> Spoiler:
    def spoil(row: Row, writer: NativeWriter, rng: random.Random) -> str:
        del row[_column(writer, field)]  # the JSON object lacks it altogether
        return "is required"

    return spoil


def _discharged_first(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    # The cell is naive local time, as the hospital's system writes it.
    admitted = datetime.strptime(row[_time_column("occurred_at")(writer)], "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007
    row[_column(writer, "inpatient")] = True
    row[_column(writer, "discharged_at")] = f"{admitted - timedelta(days=1):%Y-%m-%d %H:%M:%S}"
    return "is before occurred_at"


def _limit_kind(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    row[_column(writer, "hazard_factor")] = "BENZENE"
    row[_column(writer, "unit")] = "mg/m3"
    row[_column(writer, "limit_kind")] = "AHW4H"
    return "BENZENE has no AHW4H limit"


def _basis_contradicts(row: Row, writer: NativeWriter, rng: random.Random) -> str:
    row[_column(writer, "decision")] = "认定工伤"
    row[_column(writer, "legal_basis")] = "art16.1"  # art. 16: 不得认定为工伤
    return "article 16 leads to NOT_RECOGNISED"


def _layout(reason: str) -> Spoiler:
    return lambda row, writer, rng: reason


#: kind -> (the mapping whose file carries it, the spoiler, the layout damage if any)
KINDS: dict[str, tuple[str, Spoiler, str | None]] = {
    "uscc-check-character": ("finance.fund-disbursement", _uscc_check, None),
    "resident-id-check-digit": (
        "union.training-participation",
        _resident_id(_check_digit, "check digit does not match"),
        None,
    ),
    "resident-id-birth-date": (
        "hrss.injury-recognition",
        _resident_id(_birth_month_13, "not a valid birth date"),
        None,
    ),
    "unknown-district": (
        "housing.site-inspection",
        _setter("district", "370299", "is not a district of this city"),
        None,
    ),
    "industry-not-a-code": (
        "emergency.accident-report",
        _setter("industry", "制造业", "is not a GB/T 4754-2017 code"),
        None,
    ),
    "industry-wrong-section": (
        "housing.construction-accident",
        _setter("industry", "C47", "it belongs to section E"),
        None,
    ),
    "unknown-accident-type": (
        "emergency.accident-report",
        _setter("accident_type", "踩踏事故", "is not one of"),
        None,
    ),
    "future-timestamp": ("transport.accident", _future, None),
    "reported-before-occurred": ("housing.construction-accident", _reported_first, None),
    "deaths-exceed-victims": ("emergency.accident-report", _victims, None),
    "grade-disagrees": ("emergency.accident-report", _grade, None),
    "count-not-a-number": (
        "emergency.accident-report",
        _setter("deaths", "两人", "is not a whole number"),
        None,
    ),
    "amount-not-a-number": (
        "transport.accident",
        _setter("direct_loss_wan_cny", "约5万", "is not a number"),
        None,
    ),
    "negative-count": (
        "transport.accident",
        _setter("serious_injuries", "-1", "greater than or equal to 0"),
        None,
    ),
    "missing-required": (
        "hrss.insured-headcount",
        _setter("enterprise_id", None, "is required"),
        None,
    ),
    "missing-natural-key": ("union.worker-report", _missing_key, None),
    "unparseable-date": (
        "emergency.hazard-inspection",
        _setter("deadline", "2025-13-45", "matches none of the date formats"),
        None,
    ),
    "mojibake-utf8-read-as-gbk": ("emergency.accident-report", _garble_utf8_as_gbk, None),
    "mojibake-gbk-read-as-latin1": ("union.worker-report", _garble_gbk_as_latin1, None),
    "characters-lost": ("emergency.hazard-inspection", _lost, None),
    "excel-error-cell": (
        "housing.construction-accident",
        _setter("direct_loss_wan_cny", "#VALUE!", "has Excel error cells"),
        None,
    ),
    "excel-serial-out-of-range": ("finance.fund-allocation", _serial, None),
    "duplicated-row": (
        "emergency.hazard-inspection",
        _layout("repeats the record at"),
        "repeat",
    ),
    "conflicting-duplicate-key": (
        "housing.site-inspection",
        _layout("has the same 检查记录号"),
        "same-key",
    ),
    "truncated-last-line": (
        "emergency.accident-report",
        _layout("columns, the header has"),
        "truncated",
    ),
    "shifted-columns": ("transport.accident", _layout("columns, the header has"), "extra-column"),
    "oversized-field": (
        "emergency.accident-report",
        _setter("description", "现场情况" * 1500, "at most 2000 characters"),
        None,
    ),
    "unknown-value-spelling": (
        "transport.inspection",
        _setter("result", "基本合格", "is not one of"),
        None,
    ),
    "invalid-yes-no": (
        "union.worker-report",
        _setter("substantiated", "待核实", "is not yes/no"),
        None,
    ),
    "legal-basis-contradicts-decision": ("hrss.injury-recognition", _basis_contradicts, None),
    "project-ends-before-start": ("hrss.prevention-project", _ends_first, None),
    "value-out-of-range": (
        "health.od-diagnosis",
        _setter("exposure_years", 75.0, "less than or equal to 60"),
        None,
    ),
    "wrong-json-type": (
        "health.od-diagnosis",
        _setter("exposure_years", "十年", "is not a number"),
        None,
    ),
    "unknown-od-category": (
        "health.od-diagnosis",
        _setter("category", "尘肺", "is not one of"),
        None,
    ),
    "limit-kind-mismatch": ("health.hazard-measurement", _limit_kind, None),
    "unknown-hazard-factor": (
        "health.hazard-measurement",
        _setter("hazard_factor", "ASBESTOS-X", "is not a hazard factor"),
        None,
    ),
    "discharge-before-admission": ("health.injury-treatment", _discharged_first, None),
    "missing-json-field": ("health.injury-treatment", _drop_key("enterprise_id"), None),
}
