"""`injuryhub connectors report`: does every connector reconcile?"""

from __future__ import annotations

from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.table import Table

from connectors.checkpoints import CHECKPOINT_TOPIC, KafkaCheckpoints, pushed_requests_together
from injuryhub.console import clear_errors, console, load_settings

app = typer.Typer(help="Connector bookkeeping.")


@app.command()
def report(
    checkpoint_topic: Annotated[str, typer.Option(help="Where progress is kept.")] = (
        CHECKPOINT_TOPIC
    ),
) -> None:
    """Per connector and source: read = published + rejected (exit 1 if any does not hold)."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError):
        checkpoints = pushed_requests_together(
            KafkaCheckpoints(settings.bootstrap, checkpoint_topic, auth=settings.kafka_auth).all()
        )
    table = Table(title=f"connectors · {checkpoint_topic}")
    for column in ("connector", "source", "read", "published", "rejected", "reconciles"):
        table.add_column(column)
    failing = 0
    for (connector, source), totals in sorted(checkpoints.items()):
        ok = totals.read == totals.published + totals.rejected
        failing += not ok
        table.add_row(
            connector,
            source,
            f"{totals.read:,}",
            f"{totals.published:,}",
            f"{totals.rejected:,}",
            "[green]yes[/green]" if ok else "[red]NO[/red]",
        )
    console.print(table)
    if not checkpoints:
        console.print("no connector has committed anything yet")
    if failing:
        raise typer.Exit(1)
