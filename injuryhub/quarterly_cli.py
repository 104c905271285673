"""`injuryhub quarterly 2025Q3 --out DIR`: the joint meeting's quarterly report, HTML and PDF."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from kafka.errors import KafkaError

from agents.thematic.sink import ThematicDatabase, sink_topics, sync
from injuryhub.console import clear_errors, console, load_settings
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.settings import HubSettings


def _report_from(connection: duckdb.DuckDBPyConnection, settings: HubSettings, quarter: str,
                 out: Path) -> None:  # fmt: skip
    # Here, not at the top: WeasyPrint (and statsmodels) take seconds to import, and every
    # `injuryhub` command would pay for them.
    from dashboards.report.quarterly import quarterly_report

    codes = load_code_lists(settings.schemas_path, settings.districts_file)
    written = quarterly_report(connection, quarter, out, codes, settings.training_targets)
    console.print(f"{written.html}\n{written.pdf} ({written.pages} pages)")


def quarterly(
    quarter: Annotated[str, typer.Argument(help="The quarter, e.g. 2025Q3.")],
    out: Annotated[Path, typer.Option(help="Folder to write the report into.")] = Path("reports"),
    db: Annotated[Path | None, typer.Option(help="Thematic database (default: settings').")] = None,
    topic_prefix: Annotated[str, typer.Option(help="Topic prefix (a replay's sandbox).")] = "",
) -> None:
    """Write the quarterly analysis for the joint meeting (联席会议季度分析报告) as HTML and PDF."""
    settings = load_settings()
    path = db or settings.thematic_path
    from dashboards.report.charts import ChartError
    from dashboards.report.quarterly import ReportError

    with clear_errors(ReportError, ChartError, duckdb.Error, KafkaError, LookupError):
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            # The dashboard holds the file (DuckDB lets one process write it): read the hub's
            # topics into a copy of our own instead.
            console.print(f"{path} is in use (the dashboard?): reading the hub's topics afresh")
            with tempfile.TemporaryDirectory() as folder:
                copy = ThematicDatabase(Path(folder) / "thematic.duckdb",
                                        load_registry(settings.schemas_path))  # fmt: skip
                try:
                    sync(
                        copy,
                        settings.bootstrap,
                        sink_topics(topic_prefix),
                        auth=settings.kafka_auth,
                    )
                    _report_from(copy.connection, settings, quarter, out)
                finally:
                    copy.close()
            return
        try:
            _report_from(connection, settings, quarter, out)
        finally:
            connection.close()
