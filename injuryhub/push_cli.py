"""`injuryhub push-server`: the departments' HTTP push endpoint."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from kafka.errors import KafkaError

from connectors.checkpoints import CHECKPOINT_TOPIC
from connectors.http_push import create_push_app
from connectors.mapping import MappingError
from connectors.pipeline import Connector
from injuryhub.console import UserFacingError, clear_errors, load_settings
from injuryhub.wiring import MAPPINGS, build_connector, load_contracts
from streams.contracts.registry import SchemaFileError


def push_server(
    mapping: Annotated[
        list[str] | None, typer.Option(help="Mappings to accept (default: all).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8081,
    topic: Annotated[str | None, typer.Option(help="Override the topic (one mapping).")] = None,
    dead_letter_topic: Annotated[str | None, typer.Option(help="Override the DLQ.")] = None,
    checkpoint_topic: Annotated[
        str, typer.Option(help="Where the requests done are kept.")
    ] = CHECKPOINT_TOPIC,
) -> None:
    """Accept POST /v1/<mapping> with {"records": [...]} and a department bearer token."""
    settings = load_settings()
    names = mapping or sorted(path.stem for path in MAPPINGS.glob("*.yaml"))
    connectors: dict[str, Connector] = {}
    with clear_errors(MappingError, SchemaFileError, KafkaError, LookupError):
        if (topic or dead_letter_topic) and len(names) != 1:
            raise UserFacingError("--topic and --dead-letter-topic need exactly one --mapping")
        if not settings.push_tokens:
            raise UserFacingError(
                'no department may push: set INJURYHUB_PUSH_TOKENS, e.g. {"hrss": "<token>"}'
            )
        contracts = load_contracts(settings)
        for name in names:
            connectors[name] = build_connector(
                settings,
                contracts,
                name,
                f"push-{name}",
                topic,
                dead_letter_topic,
                checkpoint_topic,
            )
            connectors[name].requests_done()  # a missing checkpoint topic fails here, not later
    try:
        app = create_push_app(connectors, settings.push_tokens)
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        for connector in connectors.values():
            connector.producer.close()
