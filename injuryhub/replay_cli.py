"""`injuryhub replay DIR`: run all seven departments' connectors over a generated year."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import httpx
import psycopg
import typer
from kafka.errors import KafkaError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.mapping import MappingError
from connectors.synthetic.dataset import DatasetError, read_ground_truth
from injuryhub.console import clear_errors, console, load_settings
from injuryhub.replaying import Outcome, Replay, ReplayError
from streams.contracts.registry import SchemaFileError


def replay(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A generated year.")],
    postgres: Annotated[
        str | None, typer.Option(help="Load the SQL seed into this PostgreSQL (default: SQLite).")
    ] = None,
    topic_prefix: Annotated[
        str, typer.Option(help="Write to prefixed topics (a sandbox beside the catalogue).")
    ] = "",
) -> None:
    """Publish every department's records of a generated year; compare with its ground truth."""
    settings = load_settings()
    with clear_errors(
        DatasetError,
        MappingError,
        SchemaFileError,
        KafkaError,
        psycopg.Error,
        httpx.HTTPError,
        ReplayError,
        OSError,
    ):
        truth = read_ground_truth(folder)
        began = time.monotonic()
        outcomes = replay_with_progress(Replay(settings, folder, postgres, topic_prefix), truth)
        seconds = time.monotonic() - began
    if not replay_summary(outcomes, truth, seconds):
        raise typer.Exit(1)


def replay_with_progress(run: Replay, truth: dict[str, Any]) -> list[Outcome]:
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>7,.0f}/s · rejected {task.fields[rejected]}"),
        TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console) as progress:
        tasks: dict[str, Any] = {}

        def show(outcome: Outcome) -> None:
            if outcome.mapping not in tasks:
                total = truth["connectors"][outcome.mapping]["read"]
                tasks[outcome.mapping] = progress.add_task(
                    outcome.mapping, total=total, rate=0, rejected=0
                )
            progress.update(
                tasks[outcome.mapping],
                completed=outcome.earlier + outcome.read,
                rate=outcome.rate,
                rejected=outcome.rejected,
            )

        return run.run(show)


def replay_summary(outcomes: list[Outcome], truth: dict[str, Any], seconds: float) -> bool:
    table = Table(title="replay · read = published + rejected, against ground_truth.json")
    for column in (
        "connector",
        "kind",
        "read",
        "published",
        "rejected",
        "earlier",
        "records/s",
        "truth",
    ):
        table.add_column(
            column, justify="left" if column in ("connector", "kind", "truth") else "right"
        )
    all_match = True
    per_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for outcome in outcomes:
        expected = truth["connectors"][outcome.mapping]
        done = outcome.earlier + outcome.read
        matches = (
            outcome.reconciles
            and (
                outcome.earlier > 0
                or (outcome.published, outcome.rejected)
                == (expected["published"], expected["rejected"])
            )
            and done == expected["read"]
        )
        all_match &= matches
        rate = outcome.rate
        per_kind[outcome.kind][0] += outcome.read
        per_kind[outcome.kind][1] += outcome.seconds
        table.add_row(
            outcome.mapping, outcome.kind, f"{outcome.read:,}", f"{outcome.published:,}",
            f"{outcome.rejected:,}", f"{outcome.earlier:,}", f"{rate:,.0f}",
            "[green]matches[/green]" if matches else f"[red]expected {expected}[/red]",
        )  # fmt: skip
    console.print(table)
    total = sum(outcome.read for outcome in outcomes)
    kinds = " · ".join(f"{kind} {n / s:,.0f}/s" for kind, (n, s) in per_kind.items() if s)
    console.print(
        f"{total:,} records in {seconds:.1f} s ({total / seconds:,.0f}/s overall; {kinds})"
    )
    verdict = (
        "[green]every connector matches the ground truth[/green]"
        if all_match
        else "[red]MISMATCH with the ground truth[/red]"
    )
    console.print(verdict)
    return all_match
