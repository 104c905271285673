"""`injuryhub topics ...`: the topic catalogue on the cluster."""

from __future__ import annotations

import typer
from kafka.errors import KafkaError
from rich.table import Table

from injuryhub.console import clear_errors, console, load_settings
from streams.topics.admin import ensure_topics, existing_topics
from streams.topics.catalogue import catalogue

app = typer.Typer(help="The topic catalogue (streams/topics/catalogue.py).")


@app.command()
def create() -> None:
    """Create every catalogue topic that is missing; safe to run again."""
    settings = load_settings()
    with clear_errors(KafkaError):
        report = ensure_topics(
            settings.bootstrap, catalogue(), settings.replication_factor, auth=settings.kafka_auth
        )
    console.print(
        f"topics on {settings.bootstrap}: {len(report.created)} created, "
        f"{len(report.existing) - len(report.created)} already there"
    )
    for drift in report.drift:
        console.print(
            f"[yellow]{drift.name} has {drift.actual_partitions} partitions, the catalogue "
            f"declares {drift.declared_partitions}; left as it is[/yellow]"
        )


@app.command("list")
def list_topics() -> None:
    """The catalogue, and whether each topic exists on the cluster."""
    settings = load_settings()
    with clear_errors(KafkaError):
        present = existing_topics(settings.bootstrap, auth=settings.kafka_auth)
    table = Table(title=f"topic catalogue · {settings.bootstrap}")
    for column in ("topic", "owner", "partitions", "cleanup", "on cluster", "about"):
        table.add_column(column)
    for spec in catalogue():
        table.add_row(
            spec.name,
            spec.owner,
            str(spec.partitions),
            spec.cleanup_policy,
            "yes" if spec.name in present else "[red]no[/red]",
            spec.doc,
        )
    console.print(table)
