"""`injuryhub connect`: run one department connector over a file, a drop folder or a table."""

from __future__ import annotations

from collections.abc import Callable
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
from connectors.sources.folder import DropFolder
from connectors.sources.sql import postgres_source, sqlite_source
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from injuryhub.following import follow, stop_on_signals
from injuryhub.wiring import build_connector, load_contracts
from streams.contracts.registry import SchemaFileError


def _source(
    path: Path,
    encoding: str,
    table: str | None,
    key: str,
    updated_column: str | None,
) -> Source:
    suffix = path.suffix.lower()
    if suffix in {".db", ".sqlite", ".sqlite3"}:
        if table is None:
            raise UserFacingError(f"{path} is a SQLite database: name the table with --table")
        return sqlite_source(path, table, key, updated_column)
    if suffix == ".csv":
        return CsvSource(path, encoding)
    if suffix in {".jsonl", ".ndjson"}:
        return JsonLinesSource(path)
    if suffix == ".xlsx":
        return XlsxSource(path)
    raise UserFacingError(
        f"{path}: unknown file kind {suffix!r}; use .csv, .jsonl, .xlsx or a SQLite .db"
    )


def _sources(
    file: Path | None,
    watch: Path | None,
    postgres: str | None,
    pattern: str,
    encoding: str,
    table: str | None,
    key: str,
    updated_column: str | None,
) -> Callable[[], list[Source]]:
    """What each round reads: the one file or table, or the drop folder's new files."""
    if sum(option is not None for option in (file, watch, postgres)) != 1:
        raise UserFacingError("give exactly one of --file, --watch or --postgres")
    if postgres is not None:
        if table is None:
            raise UserFacingError("--postgres needs the table to poll: --table")
        table_source = postgres_source(postgres, table, key, updated_column)
        return lambda: [table_source]
    if watch is not None:
        folder = DropFolder(watch, pattern, lambda path: _source(path, encoding, None, key, None))
        return folder.changed
    assert file is not None
    single = _source(file, encoding, table, key, updated_column)
    return lambda: [single]


def connect(
    mapping: Annotated[str, typer.Argument(help="Mapping name (connectors/mappings) or a .yaml.")],
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", exists=True, dir_okay=False, help="CSV, JSONL, XLSX, SQLite."),
    ] = None,
    watch: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="A drop folder: publish each new file."),
    ] = None,
    postgres: Annotated[
        str | None, typer.Option(help="PostgreSQL connection string (with --table).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Connector name (default: the mapping).")] = None,
    pattern: Annotated[str, typer.Option(help="--watch: which files (a glob).")] = "*.csv",
    every: Annotated[
        float | None,
        typer.Option(
            min=0.1, help="Poll again every so many seconds (default: once; 5 with --watch)."
        ),
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="CSV encoding: auto, utf-8, gbk, gb18030.")
    ] = "auto",
    table: Annotated[str | None, typer.Option(help="SQL: the table to poll.")] = None,
    key: Annotated[str, typer.Option(help="SQL: its increasing integer key column.")] = "id",
    updated_column: Annotated[
        str | None, typer.Option(help="SQL: poll by this updated-at column (changed rows too).")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Override the event topic.")] = None,
    dead_letter_topic: Annotated[str | None, typer.Option(help="Override the DLQ.")] = None,
    checkpoint_topic: Annotated[str, typer.Option(help="Where progress is kept.")] = (
        CHECKPOINT_TOPIC
    ),
    checkpoint_every: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = 500,
) -> None:
    """Publish a department's file, drop folder or table as validated events; rejects go to
    its dead-letter topic. With --every (or --watch) it keeps polling until SIGTERM/Ctrl-C."""
    settings = load_settings()
    reports: dict[str, RunReport] = {}
    with clear_errors(
        MappingError, SchemaFileError, KafkaError, UnicodeDecodeError, ValueError, psycopg.Error
    ):
        next_sources = _sources(
            file, watch, postgres, pattern, encoding, table, key, updated_column
        )
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
        every = every or (5.0 if watch else None)
        try:
            cut_short = _run(connector, next_sources, every, reports)
        finally:
            connector.producer.close()
    if not reports:
        console.print("nothing to publish")
    for report in reports.values():
        _summary(report)
    if cut_short:
        console.print("stopped: the open batch was rolled back; the next start resumes there")
    if not all(report.reconciles for report in reports.values()):
        raise typer.Exit(1)
    if cut_short and every is None:
        raise typer.Exit(130)  # a one-off load that did not finish


def _run(
    connector: Connector,
    next_sources: Callable[[], list[Source]],
    every: float | None,
    reports: dict[str, RunReport],
) -> bool:
    """Runs until done (or, with ``every``, until stopped); returns whether a stop cut in."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(connector.name, total=None)

        def show(source: Source, totals: Checkpoint) -> None:
            if totals.read % 100 == 0:
                progress.update(
                    task,
                    description=f"{connector.name}: {source.name} · read {totals.read:,} · "
                    f"published {totals.published:,} · rejected {totals.rejected:,}",
                )

        def keep(report: RunReport) -> None:
            if report.this_run_read or every is None:
                earlier = reports.get(report.source)
                reports[report.source] = _merged(earlier, report)
                if every is not None:
                    totals = report.totals
                    progress.console.print(
                        f"{report.source}: +{report.this_run_read:,} read; all runs "
                        f"{totals.published:,} published, {totals.rejected:,} rejected"
                    )

        with stop_on_signals() as stop:
            return follow(connector, next_sources, every, stop, show, keep)


def _merged(earlier: RunReport | None, later: RunReport) -> RunReport:
    """One report per source for the whole session: the latest totals, all rounds' reading."""
    if earlier is None:
        return later
    return RunReport(
        later.connector,
        later.source,
        later.totals,
        earlier.this_run_read + later.this_run_read,
        earlier.seconds + later.seconds,
    )


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
