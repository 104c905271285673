from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from connectors import convert
from connectors.sources.files import CsvSource, JsonLinesSource, XlsxSource

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "事故编号,统一社会信用代码,事故简况\n"


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_csv_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "accidents.csv"
    path.write_bytes((HEADER + "SG-1,91350100M000100Y43,高处坠落一人轻伤\n").encode(encoding))
    (record,) = CsvSource(path).records(None)
    assert record.fields["事故简况"] == "高处坠落一人轻伤"
    assert (record.position, record.sequence) == ("accidents.csv:2", 2)


def test_csv_positions_resume_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    rows = [
        'SG-1,91350100M000100Y43,"第一行\n第二行"',  # a quoted field over two lines
        "SG-2,91350100M000100Y43",  # a column short
        "",
        "SG-3,91350100M000100Y43,",
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    records = list(CsvSource(path).records(None))
    assert [r.sequence for r in records] == [3, 4, 6]
    assert records[0].fields["事故简况"] == "第一行\n第二行"
    assert records[1].problem == "has 2 columns, the header has 3 (a truncated or shifted line?)"
    assert records[2].fields["事故简况"] is None
    assert [r.sequence for r in CsvSource(path).records(after=4)] == [6]


def test_neither_utf8_nor_gb18030_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"\x81\x20\xff\n")
    with pytest.raises(UnicodeDecodeError, match="neither UTF-8 nor GB18030"):
        list(CsvSource(path).records(None))


def test_json_lines_with_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "push.jsonl"
    path.write_text('{"事故编号": "SG-1"}\n{"事故编号": \n[1, 2]\n', encoding="utf-8")
    records = list(JsonLinesSource(path).records(None))
    assert records[0].fields == {"事故编号": "SG-1"}
    assert records[1].problem is not None and records[1].problem.startswith("is not valid JSON")
    assert records[2].problem == "is not a JSON object"


def test_xlsx_rows_dates_and_error_cells(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "事故"
    sheet.append(["事故编号", "事故发生时间", "死亡人数"])
    sheet.append(["SG-1", datetime(2025, 3, 14, 9, 30), 1])  # noqa: DTZ001 -- Excel has no zones
    sheet.append(["SG-2", 45730.5, "#VALUE!"])
    path = tmp_path / "accidents.xlsx"
    workbook.save(path)
    first, second = XlsxSource(path).records(None)
    assert first.position == "accidents.xlsx!事故:2" and first.problem is None
    assert first.fields["事故发生时间"] == datetime(2025, 3, 14, 9, 30)  # noqa: DTZ001
    assert second.problem == "has Excel error cells in 死亡人数"
    assert convert.to_datetime(second.fields["事故发生时间"], (), SHANGHAI) == datetime(
        2025, 3, 14, 12, 0, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), (3.0, 3), ("1,024", 1024), (" 7 ", 7)],
)
def test_whole_numbers(value: object, expected: int) -> None:
    assert convert.to_int(value) == expected


@pytest.mark.parametrize(("value", "reason"), [("三", "not a whole number"), (2.5, "not a whole")])
def test_not_whole_numbers(value: object, reason: str) -> None:
    with pytest.raises(convert.ConversionError, match=reason):
        convert.to_int(value)


def test_date_strings_get_the_local_zone() -> None:
    moment = convert.to_datetime("2025/03/14 09:30", ("%Y/%m/%d %H:%M",), SHANGHAI)
    assert moment.utcoffset() is not None and moment.isoformat() == "2025-03-14T09:30:00+08:00"
    with pytest.raises(convert.ConversionError, match="matches none of the date formats"):
        convert.to_datetime("14.03.2025", ("%Y-%m-%d",), SHANGHAI)
