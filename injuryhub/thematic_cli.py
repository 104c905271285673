"""`injuryhub thematic`: the thematic database (专题库) — the hub's topics in DuckDB, by section,
for analysts and the dashboard."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from kafka.errors import KafkaError
from rich.table import Table

from agents.thematic.layout import SECTIONS
from agents.thematic.sink import SyncReport, ThematicDatabase, sink_topics, sync, table_counts
from injuryhub.console import clear_errors, console, load_settings
from streams.contracts.registry import load_registry

app = typer.Typer(help="The thematic database (专题库) in DuckDB.", no_args_is_help=True)
Prefix = Annotated[str, typer.Option(help="Topic prefix (a replay's sandbox).")]
Database = Annotated[
    Path | None, typer.Option("--db", help="The DuckDB file (default: settings' thematic_db).")
]


def _open(db: Path | None) -> ThematicDatabase:
    settings = load_settings()
    return ThematicDatabase(db or settings.thematic_path, load_registry(settings.schemas_path))


def _summary(report: SyncReport) -> str:
    return f"{report.total:,} rows written, {report.rejected:,} messages rejected"


@app.command("sync")
def sync_command(
    topic_prefix: Prefix = "",
    db: Database = None,
    follow: Annotated[bool, typer.Option(help="Keep syncing until Ctrl-C.")] = False,
    every: Annotated[float, typer.Option(help="Seconds between syncs with --follow.")] = 5.0,
) -> None:
    """Bring the database up to the end of the hub's topics (exactly once: a sync stopped at any
    point resumes where it left off)."""
    settings = load_settings()
    with clear_errors(KafkaError, duckdb.Error, LookupError):
        database = _open(db)
        try:
            topics = sink_topics(topic_prefix)
            while True:
                report = sync(database, settings.bootstrap, topics, auth=settings.kafka_auth)
                console.print(f"{database.path}: {_summary(report)}")
                if not follow:
                    break
                time.sleep(every)
        except KeyboardInterrupt:
            pass
        finally:
            database.close()


@app.command()
def tables(db: Database = None) -> None:
    """Each section's tables and their row counts."""
    with clear_errors(duckdb.Error, LookupError):
        database = _open(db)
        try:
            counts = dict(table_counts(database))
            rejected = database.rejected_count()
        finally:
            database.close()
    table = Table("专题 section", "表 table", "行 rows")
    for section, (title, _) in SECTIONS.items():
        for name, rows in counts.items():
            if name.startswith(section + "."):
                table.add_row(title, name, f"{rows:,}")
    console.print(table)
    console.print(f"{rejected:,} undecodable messages kept in hub_meta.rejected")
