"""Charts for the printed report: ECharts options rendered to SVG by node on the server (the same
library as the dashboard, no browser), embedded in the HTML that becomes the PDF."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

RENDERER = Path(__file__).with_name("render_charts.js")


class ChartError(RuntimeError):
    """node or ECharts is missing, or the rendering failed."""


def render_svgs(charts: list[dict[str, Any]], timeout_s: float = 60) -> list[str]:
    """``charts``: ``{"width", "height", "option"}`` each; their SVG documents in order."""
    node = shutil.which("node")
    if node is None:
        raise ChartError("node is not installed: the report draws its charts with ECharts on node")
    done = subprocess.run([node, str(RENDERER)], input=json.dumps(charts), capture_output=True,
                          text=True, timeout=timeout_s, check=False)  # fmt: skip
    if done.returncode != 0:
        raise ChartError(f"rendering the charts failed (`make setup` installs ECharts): "
                         f"{done.stderr.strip()[-500:]}")  # fmt: skip
    svgs: list[str] = json.loads(done.stdout)
    return svgs


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]],
              horizontal: bool = False) -> dict[str, Any]:  # fmt: skip
    categories = {"type": "category", "data": labels}
    values = {"type": "value"}
    return {
        "width": 520, "height": 300,
        "option": {
            "title": {"text": title, "textStyle": {"fontSize": 13}},
            "legend": {"bottom": 0} if len(series) > 1 else {"show": False},
            "grid": {"left": 110 if horizontal else 50, "bottom": 50, "top": 40},
            "xAxis": values if horizontal else categories,
            "yAxis": ({**categories, "inverse": True} if horizontal else values),
            "series": [{"name": name, "type": "bar", "data": data}
                       for name, data in series.items()],
        },
    }  # fmt: skip


def line_chart(title: str, labels: list[str], series: dict[str, list[float]]) -> dict[str, Any]:
    return {
        "width": 1040, "height": 300,
        "option": {
            "title": {"text": title, "textStyle": {"fontSize": 13}},
            "legend": {"bottom": 0}, "grid": {"left": 50, "right": 30, "bottom": 50, "top": 40},
            "xAxis": {"type": "category", "data": labels}, "yAxis": {"type": "value"},
            "series": [{"name": name, "type": "line", "data": data, "showSymbol": False}
                       for name, data in series.items()],
        },
    }  # fmt: skip
