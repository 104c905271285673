"""`injuryhub schemas ...`: the Avro contracts under schemas/."""

from __future__ import annotations

from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.table import Table

from injuryhub.console import clear_errors, console, err_console, load_settings
from streams.clients import make_producer
from streams.contracts.docs import render_catalogue
from streams.contracts.evolution import check_evolution
from streams.contracts.publish import SCHEMAS_TOPIC, publish_schemas
from streams.contracts.registry import SchemaFileError, SchemaRegistry, load_registry
from streams.topics.catalogue import catalogue

app = typer.Typer(help="The Avro contracts between the departments (schemas/).")


def _registry() -> SchemaRegistry:
    settings = load_settings()
    with clear_errors(SchemaFileError):
        return load_registry(settings.schemas_path)


@app.command()
def check() -> None:
    """Check that every version evolves compatibly from its predecessors (exit 1 if not)."""
    registry = _registry()
    problems = check_evolution(registry)
    for problem in problems:
        err_console.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print(
        f"{len(registry.schemas)} schemas of {len(registry.event_types)} event types: "
        "every version compatible with its predecessors"
    )


@app.command("list")
def list_schemas() -> None:
    """Every event type, version, fingerprint and compatibility mode."""
    table = Table(title="Avro contracts")
    for column in ("event type", "version", "fingerprint (CRC-64-AVRO)", "mode", "file"):
        table.add_column(column)
    for schema in _registry().schemas:
        table.add_row(
            schema.event_type,
            str(schema.version),
            schema.fingerprint.hex(),
            schema.compatibility,
            str(schema.path),
        )
    console.print(table)


@app.command()
def docs(
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check that the file is up to date.")
    ] = False,
) -> None:
    """Write the event catalogue (docs/events.md) from the schemas and the topic catalogue."""
    settings = load_settings()
    text = render_catalogue(catalogue(), _registry())
    target = settings.schemas_path.parent / "docs" / "events.md"
    if check_only:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            err_console.print(f"[red]{target} is stale: run `injuryhub schemas docs`[/red]")
            raise typer.Exit(1)
        console.print(f"{target} is up to date")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    console.print(f"wrote {target}")


@app.command()
def publish() -> None:
    """Publish every schema to the compacted hub.schemas topic, keyed by fingerprint."""
    settings = load_settings()
    registry = _registry()
    with (
        clear_errors(KafkaError),
        make_producer(
            settings.bootstrap, "injuryhub-schemas", auth=settings.kafka_auth
        ) as producer,
    ):
        sent = publish_schemas(producer, registry)
    console.print(f"published {sent} schemas to {SCHEMAS_TOPIC}")
