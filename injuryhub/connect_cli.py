"""`injuryhub connect`: run one department connector over a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import psycopg
import typer
from kafka.errors import KafkaError
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.checkpoints import CHECKPOINT_TOPIC, Checkpoint
from connectors.mapping import MappingError
from connectors.pipeline import Connector, RunReport
from connectors.sources.base import Source
from connectors.sources.files import CsvSource, JsonLinesSource, XlsxSource
from connectors.sources.sql import postgres_source, sqlite_source
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from injuryhub.wiring import build_connector, load_contracts
from streams.contracts.registry import SchemaFileError


def _source(
    path: Path | None, postgres: str | None, encoding: str, table: str | None, key: str
) -> Source:
    if (path is None) == (postgres is None):
        raise UserFacingError("give either --file or --postgres")
    if postgres is not None:
        if table is None:
            raise UserFacingError("--postgres needs the table to poll: --table")
        return postgres_source(postgres, table, key)
    assert path is not None
    suffix = path.suffix.lower()
    if suffix in {".db", ".sqlite", ".sqlite3"}:
        if table is None:
            raise UserFacingError(f"{path} is a SQLite database: name the table with --table")
        return sqlite_source(path, table, key)
    if suffix == ".csv":
        return CsvSource(path, encoding)
    if suffix in {".jsonl", ".ndjson"}:
        return JsonLinesSource(path)
    if suffix == ".xlsx":
        return XlsxSource(path)
    raise UserFacingError(
        f"{path}: unknown file kind {suffix!r}; use .csv, .jsonl, .xlsx or a SQLite .db"
    )


def connect(
    mapping: Annotated[str, typer.Argument(help="Mapping name (connectors/mappings) or a .yaml.")],
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", exists=True, dir_okay=False, help="CSV, JSONL, XLSX, SQLite."),
    ] = None,
    postgres: Annotated[
        str | None, typer.Option(help="PostgreSQL connection string (with --table).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Connector name (default: the mapping).")] = None,
    encoding: Annotated[
        str, typer.Option(help="CSV encoding: auto, utf-8, gbk, gb18030.")
    ] = "auto",
    table: Annotated[str | None, typer.Option(help="SQL: the table to poll.")] = None,
    key: Annotated[str, typer.Option(help="SQL: its increasing integer key column.")] = "id",
    topic: Annotated[str | None, typer.Option(help="Override the event topic.")] = None,
    dead_letter_topic: Annotated[str | None, typer.Option(help="Override the DLQ.")] = None,
    checkpoint_topic: Annotated[str, typer.Option(help="Where progress is kept.")] = (
        CHECKPOINT_TOPIC
    ),
    checkpoint_every: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = 500,
) -> None:
    """Publish a department's file as validated events; rejects go to its dead-letter topic."""
    settings = load_settings()
    with clear_errors(
        MappingError, SchemaFileError, KafkaError, UnicodeDecodeError, ValueError, psycopg.Error
    ):
        source = _source(file, postgres, encoding, table, key)
        connector = build_connector(
            settings,
            load_contracts(settings),
            mapping,
            name,
            topic,
            dead_letter_topic,
            checkpoint_topic,
            checkpoint_every,
        )
        try:
            report = _run_with_progress(connector, source)
        finally:
            connector.producer.close()
    _summary(report)


def _run_with_progress(connector: Connector, source: Source) -> RunReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"{connector.name}: {source.name}", total=None)

        def show(totals: Checkpoint) -> None:
            if totals.read % 100 == 0:
                progress.update(
                    task,
                    description=f"{connector.name}: {source.name} · read {totals.read:,} · "
                    f"published {totals.published:,} · rejected {totals.rejected:,}",
                )

        return connector.run(source, on_record=show)


def _summary(report: RunReport) -> None:
    totals = report.totals
    table = Table(title=f"connector {report.connector} · {report.source}")
    for column in ("", "this run", "all runs"):
        table.add_column(column, justify="right")
    rate = report.this_run_read / report.seconds if report.seconds else 0.0
    table.add_row("read", f"{report.this_run_read:,}", f"{totals.read:,}")
    table.add_row("published", "", f"{totals.published:,}")
    table.add_row("rejected (dead letters)", "", f"{totals.rejected:,}")
    table.add_row("records/s", f"{rate:,.0f}", "")
    console.print(table)
    verdict = "[green]reconciles[/green]" if report.reconciles else "[red]DOES NOT reconcile[/red]"
    console.print(f"read = published + rejected: {verdict}")
    if not report.reconciles:
        raise typer.Exit(1)
