"""The quarterly report (dashboards/report/) from a small thematic database: HTML with the
charts drawn by ECharts on node, and a PDF whose pages hold Chinese text in embedded fonts."""

from __future__ import annotations

import functools
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.thematic.sink import ThematicDatabase
from dashboards.overview import Filters, overview
from dashboards.periods import Period
from dashboards.report.quarterly import ReportError, quarterly_report, recommendations
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.support import insert_event

SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
CODES = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)
TARGETS = {"RESPONSIBLE_LEADER": 10, "SAFETY_MANAGER": 20, "TEAM_LEADER": 70}


def _database(path: Path) -> ThematicDatabase:
    database = ThematicDatabase(path, REGISTRY)
    put = functools.partial(insert_event, database)
    moment = datetime(2025, 8, 1, tzinfo=UTC)
    for label, injuries in (("2025-07", 5), ("2025-08", 7), ("2025-09", 3), ("2025-04", 4)):
        for district, industry, share in (("370211", "C3311", 1.0), ("370202", "E4710", 0.5)):
            put("hub.aggregate", f"MONTH|{label}|{district}|{industry}", moment, window="MONTH",
                district=district, industry=industry, enterprise_id=None,
                metrics={"recognised_injuries": injuries * share, "insured": 2_000.0,
                         "accidents": 1.0, "hazards_found": 4.0,
                         "hazards_rectified_on_time": 3.0})  # fmt: skip
    for label, injuries in (("2025-Q3", 15), ("2024-Q3", 10), ("2025-Q2", 12)):
        put("hub.aggregate", f"QUARTER|{label}|370211|C3311", moment, window="QUARTER",
            district="370211", industry="C3311", enterprise_id=None,
            metrics={"recognised_injuries": float(injuries), "insured": 2_000.0,
                     "hazards_found": 8.0, "hazards_rectified_on_time": 6.0})  # fmt: skip
    put("hub.alert", "a-1", moment, alert_id="death/E1/1", severity="RED", status="OPEN",
        district="370211", industry="C3311", message_zh="企业 E1 死亡 1 人")  # fmt: skip
    return database


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")
def test_the_report_is_written_as_html_and_a_pdf_with_chinese_text(tmp_path: Path) -> None:
    database = _database(tmp_path / "thematic.duckdb")
    try:
        written = quarterly_report(database.connection, "2025Q3", tmp_path / "out", CODES, TARGETS)
    finally:
        database.close()

    html = written.html.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3  # trend, districts, training
    assert "2025-Q3 季度分析报告" in html
    assert written.pages >= 2
    text = subprocess.run(["pdftotext", str(written.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "季度分析报告" in text and "工作建议" in text and "风险预警及处置" in text
    assert "+25.0%" in text  # 15 against 12 the quarter before
    fonts = subprocess.run(["pdffonts", str(written.pdf)], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)  # embedded


def test_recommendations_name_the_figures_that_call_for_them(tmp_path: Path) -> None:
    database = _database(tmp_path / "thematic.duckdb")
    try:
        data = overview(database.connection, Filters(Period.parse("2025-Q3")), CODES, TARGETS)
    finally:
        database.close()
    said = recommendations(data, [{"severity": "RED", "status": "OPEN"}])

    assert any("同比上升 50%" in line for line in said)
    assert any("隐患按期整改率 75%" in line for line in said)
    assert any("红色预警 1 条" in line for line in said)


def test_a_month_or_an_empty_quarter_is_refused(tmp_path: Path) -> None:
    database = _database(tmp_path / "thematic.duckdb")
    try:
        with pytest.raises(ReportError, match="a quarter is needed"):
            quarterly_report(database.connection, "2025-07", tmp_path, CODES, TARGETS)
        with pytest.raises(ReportError, match="holds no aggregates"):
            quarterly_report(database.connection, "2023Q1", tmp_path, CODES, TARGETS)
    finally:
        database.close()
