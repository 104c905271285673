"""Bulletins for people: Markdown (Chinese first, as the joint meeting reads them) and HTML."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from markdown_it import MarkdownIt

from agents.aggregation.windows import WindowKind
from agents.bulletins.compose import TRAINING_TARGETS, BulletinContent

PERIOD_ZH = {WindowKind.WEEK: "周报", WindowKind.MONTH: "月报", WindowKind.QUARTER: "季报"}
FIGURE_ZH = {
    "accidents": "生产安全事故 (起)", "deaths": "死亡 (人)", "serious_injuries": "重伤 (人)",
    "injury_applications": "工伤认定申请 (件)", "recognised_injuries": "认定工伤 (件)",
    "od_diagnoses": "职业病诊断 (例)", "hazards_found": "排查隐患 (项)",
    "hazards_rectified_on_time": "按期整改 (项)", "hazard_rectification_rate": "隐患按期整改率",
    "training_completions": "培训结业 (人)",
}  # fmt: skip
CATEGORY_ZH = {"RESPONSIBLE_LEADER": "主要负责人", "SAFETY_MANAGER": "专职安全管理人员",
               "TEAM_LEADER": "班组长"}  # fmt: skip

_TEMPLATE = (Path(__file__).with_name("bulletin.md.j2")).read_text(encoding="utf-8")

# Markdown, not HTML: escaping belongs to the HTML step, where markdown-it drops raw HTML.
_ENVIRONMENT = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701


def markdown_zh(content: BulletinContent, open_alerts: list[dict[str, Any]]) -> str:
    window = content.window

    def value(name: str) -> str:
        number = content.figures[name]
        return f"{number:.1%}" if name.endswith("_rate") else f"{number:g}"

    def change(ratio: float | None) -> str:
        return "—" if ratio is None else f"{ratio:+.1%}"

    text: str = _ENVIRONMENT.from_string(_TEMPLATE).render(
        period_zh=PERIOD_ZH[window.kind], label=window.label, first=window.start.date(),
        last=window.end.date() - timedelta(days=1), content=content, figure_zh=FIGURE_ZH,
        value=value, change=change, open_alerts=open_alerts, targets=TRAINING_TARGETS,
        category_zh=CATEGORY_ZH,
    )  # fmt: skip
    return text


def html(markdown: str) -> str:
    """A complete HTML page of a bulletin's Markdown (tables included)."""
    body: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>工伤预防态势简报</title></head>\n<body>\n" + body + "</body></html>\n"
    )
