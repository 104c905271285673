"""The joint meeting's quarterly analysis (联席会议季度分析报告) from the thematic database: the
overview with 环比/同比, the year's trend, districts and key industries, alerts and their handling,
the risk ranking, training against its targets, the policy-effect evaluation, model-unit
candidates and recommendations the figures call for. HTML, and a PDF with its fonts embedded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import jinja2
import weasyprint

from dashboards.evaluation.results import evaluate
from dashboards.model_units import model_unit_candidates
from dashboards.overview import Filters, overview
from dashboards.periods import Period
from dashboards.report.charts import bar_chart, line_chart, render_svgs
from dashboards.risk import alerts, ranking
from streams.contracts.codes import CodeLists

TEMPLATE = "quarterly.html.j2"
CITY_ZONE = ZoneInfo("Asia/Shanghai")


class ReportError(ValueError):
    """The period cannot be reported (with why)."""


@dataclass(frozen=True)
class Written:
    html: Path
    pdf: Path
    pages: int


def _quarter_alerts(connection: duckdb.DuckDBPyConnection, period: Period) -> list[dict[str, Any]]:
    """Alerts opened in the quarter (any status), worst first."""
    months = period.months()
    opened = []
    for alert in alerts(connection, Filters(period), include_closed=True):
        moment = datetime.fromtimestamp((alert["opened_at_ms"] or 0) / 1000, CITY_ZONE)
        if months[0] <= moment.strftime("%Y-%m") <= months[-1]:
            opened.append(alert)
    return opened


def recommendations(data: dict[str, Any], opened: list[dict[str, Any]]) -> list[str]:
    """What the figures call for, each with the figure that calls for it."""
    said = []
    districts = [d for d in data["by_district"] if d.get("injuries_per_1000_insured")]
    if districts:
        worst = max(districts, key=lambda d: d["injuries_per_1000_insured"])
        said.append(f"{worst['name']}千人工伤率 {worst['injuries_per_1000_insured']:.2f}，为各区市"
                    "最高：建议列为下季度工伤预防重点区市，组织专家入企排查。")  # fmt: skip
    industries = sorted(data["by_industry"], key=lambda i: -i.get("recognised_injuries", 0))
    if industries and industries[0].get("recognised_injuries"):
        top = industries[0]
        said.append(f"{top['name']}认定工伤 {top['recognised_injuries']:.0f} 件，居各行业之首："
                    "建议针对该行业开展专项培训与执法检查。")  # fmt: skip
    injuries = data["figures"]["recognised_injuries"]
    if (change := injuries["change_vs_year_earlier"]) is not None and change > 0:
        said.append(f"认定工伤同比上升 {change:.0%}：建议分析新增工伤的事故类别与企业分布。")
    rate = data["figures"]["hazard_rectification_rate"]["value"]
    if rate is not None and rate < 0.95:
        said.append(f"隐患按期整改率 {rate:.0%}，低于 95%：建议对逾期未整改隐患挂牌督办。")
    open_red = [a for a in opened if a["severity"] == "RED" and a["status"] != "CLOSED"]
    if open_red:
        said.append(f"本季度红色预警 {len(open_red)} 条尚未关闭：建议逐条落实专家核查与整改闭环。")
    coverage = data["training"]["coverage"]
    if coverage is not None and coverage < 1:
        lagging = min(data["training"]["by_category"], key=lambda c: c["coverage"] or 0)
        said.append(f"重点人员培训完成 {coverage:.0%}（{lagging['category']} 最低，"
                    f"{(lagging['coverage'] or 0):.0%}）：建议加快该类人员培训进度。")  # fmt: skip
    return said or ["本季度各项指标未见需特别处置的异常。"]


def _charts(data: dict[str, Any], evaluation: dict[str, Any]) -> dict[str, str]:
    trend = data["trend"]
    wanted = {
        "trend": line_chart("月度趋势（认定工伤、事故、职业病）", [r["month"] for r in trend], {
            "认定工伤": [r["recognised_injuries"] for r in trend],
            "生产安全事故": [r["accidents"] for r in trend],
            "职业病诊断": [r["od_diagnoses"] for r in trend]}),
        "districts": bar_chart("分区市认定工伤", [d["name"] for d in data["by_district"]],
                               {"认定工伤": [d.get("recognised_injuries", 0)
                                             for d in data["by_district"]]}, horizontal=True),
        "training": bar_chart("培训进度（对照目标）",
                              [c["category"] for c in data["training"]["by_category"]],
                              {"已完成": [c["completed"] for c in data["training"]["by_category"]],
                               "目标": [c["target"] for c in data["training"]["by_category"]]}),
    }  # fmt: skip
    its = evaluation.get("its", {})
    if "weeks" in its:
        lines = {"实际": its["observed"], "拟合": its["fitted"], "反事实": its["counterfactual"]}
        wanted["its"] = line_chart("周度工伤：实际、拟合与无政策反事实", its["weeks"], lines)
    return dict(zip(wanted, render_svgs(list(wanted.values())), strict=True))


def quarterly_report(connection: duckdb.DuckDBPyConnection, label: str, out: Path,
                     codes: CodeLists, targets: dict[str, int]) -> Written:  # fmt: skip
    """Writes ``quarterly-<label>.html`` and ``.pdf`` into ``out``. Raises ReportError for a
    label that is not a quarter or a quarter the database holds nothing of."""
    period = Period.parse(label.replace("Q", "-Q") if "-Q" not in label else label)
    if period.quarter is None or period.month is not None:
        raise ReportError(f"{label}: a quarter is needed, such as 2025Q3")
    data = overview(connection, Filters(period), codes, targets)
    if data["figures"]["recognised_injuries"]["value"] is None and not data["by_district"]:
        raise ReportError(f"{period.label}: the thematic database holds no aggregates of it "
                          "(run `injuryhub thematic sync` or the dashboard first)")  # fmt: skip
    opened = _quarter_alerts(connection, period)
    evaluation = evaluate(connection, None)
    context = {
        "period": period.label, "data": data, "alerts": opened,
        "handled": sum(1 for a in opened if a["status"] != "OPEN"),
        "ranking": ranking(connection, Filters(period), limit=15),
        "evaluation": evaluation,
        "model_units": model_unit_candidates(connection, period.year)[:20],
        "recommendations": recommendations(data, opened),
        "charts": _charts(data, evaluation),
        "generated": datetime.now(CITY_ZONE).strftime("%Y-%m-%d %H:%M（北京时间）"),
    }  # fmt: skip
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )  # fmt: skip
    html = environment.get_template(TEMPLATE).render(**context)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"quarterly-{period.label}.html"
    pdf_path = out / f"quarterly-{period.label}.pdf"
    html_path.write_text(html, encoding="utf-8")
    document = weasyprint.HTML(string=html, base_url=str(out)).render()
    document.write_pdf(pdf_path)
    return Written(html_path, pdf_path, len(document.pages))
