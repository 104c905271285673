"""`injuryhub worker`: a real Faust worker running the hub's agents."""

from __future__ import annotations

import sys
from typing import Annotated

import faust
import typer
from kafka.errors import KafkaError

from agents.intake import IntakeTopics, register_intake_counter
from injuryhub.console import clear_errors, load_settings
from streams.faust_app import make_app
from streams.topics.admin import partition_count
from streams.topics.catalogue import dept_topic

DEFAULT_INTAKE_SOURCE = dept_topic("emergency", "accident-report")
DEFAULT_INTAKE_RESULT = "hub.intake-counts"


def worker(
    app_id: Annotated[str | None, typer.Option(help="Faust app id (default: settings).")] = None,
    intake_source: Annotated[str, typer.Option(help="Topic the slice agent counts.")] = (
        DEFAULT_INTAKE_SOURCE
    ),
    intake_result: Annotated[str, typer.Option(help="Topic it writes counts to.")] = (
        DEFAULT_INTAKE_RESULT
    ),
    loglevel: Annotated[str, typer.Option(help="Faust log level.")] = "warning",
) -> None:
    """Run the Faust worker until SIGTERM or Ctrl-C; several workers share the partitions."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError):
        partitions = partition_count(settings.bootstrap, intake_source)
    app = make_app(settings, app_id=app_id)
    register_intake_counter(app, IntakeTopics(intake_source, intake_result, partitions))
    process = faust.Worker(app, loglevel=loglevel)
    if not sys.stdout.isatty():
        process.spinner = None  # its cursor codes would litter log files
    process.execute_from_commandline()
