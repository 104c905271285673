"""Which department writes what, where and how: the native formats of the synthetic year."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.synthetic.native import Style

CSV_STYLE = Style(numbers_as_text=True)
SLASH_CSV_STYLE = Style(
    datetime_format="%Y/%m/%d %H:%M", date_format="%Y/%m/%d", numbers_as_text=True
)
XLSX_STYLE = Style(datetime_format=None, date_format=None)
SERIAL_XLSX_STYLE = Style(excel_serials=True)
SQL_STYLE = Style()
JSON_STYLE = Style(booleans=(True, False))


@dataclass(frozen=True)
class Output:
    mapping: str
    kind: str  # csv | xlsx | sql | http
    path: str  # relative to the generated folder
    style: Style
    encoding: str = "utf-8"  # csv
    table: str = ""  # sql: the table; xlsx: the sheet
    updated_column: str = ""  # sql: polled by this updated-at column instead of the id


OUTPUTS: tuple[Output, ...] = (
    Output("reference.enterprise", "csv", "registry/enterprises.csv", CSV_STYLE),
    Output("emergency.accident-report", "csv", "emergency/accident-reports.csv", CSV_STYLE, "gbk"),
    Output("emergency.hazard-inspection", "csv", "emergency/hidden-hazards.csv", CSV_STYLE, "gbk"),
    Output("emergency.enforcement", "csv", "emergency/enforcement.csv", CSV_STYLE, "gbk"),
    Output("transport.accident", "csv", "transport/accidents.csv", SLASH_CSV_STYLE, "gb18030"),
    Output("transport.inspection", "csv", "transport/inspections.csv", SLASH_CSV_STYLE, "gb18030"),
    Output("union.worker-report", "csv", "union/worker-reports.csv", CSV_STYLE),
    Output("union.training-participation", "csv", "union/training-participation.csv", CSV_STYLE),
    Output("union.model-unit-nomination", "csv", "union/model-unit-nominations.csv", CSV_STYLE),
    Output(
        "housing.construction-accident",
        "xlsx",
        "housing/construction-accidents.xlsx",
        XLSX_STYLE,
        table="事故",
    ),
    Output(
        "housing.site-inspection",
        "xlsx",
        "housing/site-inspections.xlsx",
        XLSX_STYLE,
        table="检查记录",
    ),
    Output(
        "finance.fund-allocation",
        "xlsx",
        "finance/fund-allocations.xlsx",
        SERIAL_XLSX_STYLE,
        table="指标",
    ),
    Output(
        "finance.fund-disbursement",
        "xlsx",
        "finance/fund-disbursements.xlsx",
        SERIAL_XLSX_STYLE,
        table="支付",
    ),
    Output(
        "hrss.injury-recognition",
        "sql",
        "hrss/hrss.sql",
        SQL_STYLE,
        table="工伤认定",
        updated_column="更新时间",
    ),
    Output("hrss.disability-appraisal", "sql", "hrss/hrss.sql", SQL_STYLE, table="劳动能力鉴定"),
    Output("hrss.benefit-payment", "sql", "hrss/hrss.sql", SQL_STYLE, table="待遇支付"),
    Output("hrss.insured-headcount", "sql", "hrss/hrss.sql", SQL_STYLE, table="参保人数"),
    Output("hrss.training-completion", "sql", "hrss/hrss.sql", SQL_STYLE, table="培训结业"),
    Output("hrss.prevention-project", "sql", "hrss/hrss.sql", SQL_STYLE, table="工伤预防项目"),
    Output("health.od-diagnosis", "http", "health/push.jsonl", JSON_STYLE),
    Output("health.hazard-measurement", "http", "health/push.jsonl", JSON_STYLE),
    Output("health.health-examination", "http", "health/push.jsonl", JSON_STYLE),
    Output("health.injury-treatment", "http", "health/push.jsonl", JSON_STYLE),
)
