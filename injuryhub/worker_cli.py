"""`injuryhub worker`: a real Faust worker running the hub's agents."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import faust
import typer
from kafka.errors import KafkaError

from agents.alerting.experts import ExpertRegistryError
from agents.intake import IntakeTopics, register_intake_counter
from agents.positions import PositionKeeper
from agents.rebalance_watch import watch_rebalances
from injuryhub.console import clear_errors, load_settings
from injuryhub.consumer_picture import consumer_picture
from injuryhub.hub_agents import Role, partitions_of, plan_hub, register_hub_agents, role_app_id
from injuryhub.stacks import stacks
from streams.faust_app import make_app
from streams.topics.catalogue import dept_topic

DEFAULT_INTAKE_SOURCE = dept_topic("emergency", "accident-report")
DEFAULT_INTAKE_RESULT = "hub.intake-counts"
log = logging.getLogger(__name__)


class HubWorker(faust.Worker):
    #: the hub agents' position keeper, if the worker runs them (its view joins the picture)
    keeper: PositionKeeper | None = None

    @property
    def shortlabel(self) -> str:
        return "Worker"  # the log's "[^Worker]: Ready", which benchmarks and operators look for

    async def _cry(self) -> None:
        """SIGUSR1: the stacks at WARNING (a worker's level), without mode's local variables,
        after where the consumer stands."""
        pictures = [consumer_picture(self.app)]
        if self.keeper is not None:
            pictures.append(self.keeper.picture())
        log.warning("%s", stacks(pictures))


def worker(
    app_id: Annotated[str | None, typer.Option(help="Faust app id (default: settings).")] = None,
    intake_source: Annotated[str, typer.Option(help="Topic the slice agent counts.")] = (
        DEFAULT_INTAKE_SOURCE
    ),
    intake_result: Annotated[str, typer.Option(help="Topic it writes counts to.")] = (
        DEFAULT_INTAKE_RESULT
    ),
    hub: Annotated[
        bool,
        typer.Option(
            help="Run the hub's agents (aggregates, alerts, deliveries) on the catalogue."
        ),
    ] = True,
    role: Annotated[
        Role,
        typer.Option(
            help="all: every agent; aggregates or alerts: that half of the hub, each worker "
            "process its own (run both, with the same --app-id)."
        ),
    ] = Role.ALL,
    topic_prefix: Annotated[
        str, typer.Option(help="Read and write the prefixed catalogue topics (a replay's sandbox).")
    ] = "",
    loglevel: Annotated[str, typer.Option(help="Faust log level.")] = "warning",
) -> None:
    """Run the Faust worker until SIGTERM or Ctrl-C; several workers share the partitions."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError, ExpertRegistryError, ValueError):
        intake_partitions = partitions_of(settings, intake_source)[intake_source]
        plan = plan_hub(settings, topic_prefix) if hub else None
    hub_app_id = app_id or settings.app_id
    app = make_app(settings, app_id=role_app_id(hub_app_id, role) if hub else hub_app_id)
    if role is not Role.ALERTS or not hub:
        register_intake_counter(app, IntakeTopics(intake_source, intake_result, intake_partitions))
    watch_rebalances(app)
    keeper = None
    if plan is not None:
        keeper = register_hub_agents(app, settings, plan, role, hub_app_id)
    process = HubWorker(app, loglevel=loglevel)
    process.keeper = keeper
    if not sys.stdout.isatty():
        process.spinner = None  # its cursor codes would litter log files
    process.execute_from_commandline()
