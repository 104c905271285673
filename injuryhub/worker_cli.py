"""`injuryhub worker`: a real Faust worker running the hub's agents."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Annotated

import faust
import typer
from kafka.errors import KafkaError

from agents.aggregation.agent import AggregationTopics, register_aggregation, register_inputs
from agents.aggregation.metrics import METRICS
from agents.alerting.agent import AlertingTopics, register_alerting
from agents.alerting.experts import ExpertRegistryError, load_experts
from agents.alerting.limits import alert_limits
from agents.alerting.rules import RULE_EVENT_TYPES
from agents.intake import IntakeTopics, register_intake_counter
from injuryhub.console import clear_errors, load_settings
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.faust_app import make_app
from streams.settings import HubSettings
from streams.topics.admin import partition_count
from streams.topics.catalogue import catalogue, dept_topic

DEFAULT_INTAKE_SOURCE = dept_topic("emergency", "accident-report")
DEFAULT_INTAKE_RESULT = "hub.intake-counts"


def aggregation_topics(prefix: str = "") -> AggregationTopics:
    """The catalogue's department topics whose events feed the aggregates, and its hub topics."""
    sources = tuple(
        prefix + spec.name
        for spec in catalogue()
        if spec.name.startswith("dept.")
        and (spec.event_type in METRICS or spec.event_type in RULE_EVENT_TYPES)
    )
    return AggregationTopics(sources, prefix + "hub.enterprises", prefix + "hub.aggregates", 0)


def alerting_topics(prefix: str = "") -> AlertingTopics:
    return AlertingTopics(
        prefix + "hub.alerts", prefix + "hub.alert-actions", prefix + "hub.risk-changes",
        prefix + "hub.dlq.hub", partitions=0,
    )  # fmt: skip


def _partitions(settings: HubSettings, topic: str) -> int:
    try:
        return partition_count(settings.bootstrap, topic)
    except LookupError as missing:
        raise LookupError(
            f"{missing} — create the catalogue topics first (`injuryhub topics create`), "
            "or run the worker with --no-hub"
        ) from None


def worker(
    app_id: Annotated[str | None, typer.Option(help="Faust app id (default: settings).")] = None,
    intake_source: Annotated[str, typer.Option(help="Topic the slice agent counts.")] = (
        DEFAULT_INTAKE_SOURCE
    ),
    intake_result: Annotated[str, typer.Option(help="Topic it writes counts to.")] = (
        DEFAULT_INTAKE_RESULT
    ),
    hub: Annotated[
        bool, typer.Option(help="Run the hub's agents on the catalogue topics (aggregates, …).")
    ] = True,
    topic_prefix: Annotated[
        str, typer.Option(help="Read and write the prefixed catalogue topics (a replay's sandbox).")
    ] = "",
    loglevel: Annotated[str, typer.Option(help="Faust log level.")] = "warning",
) -> None:
    """Run the Faust worker until SIGTERM or Ctrl-C; several workers share the partitions."""
    settings = load_settings()
    aggregated, alerting = aggregation_topics(topic_prefix), alerting_topics(topic_prefix)
    with clear_errors(KafkaError, LookupError, ExpertRegistryError, ValueError):
        intake_partitions = _partitions(settings, intake_source)
        if hub:
            partitions = _partitions(settings, aggregated.sources[0])
            aggregated = replace(aggregated, partitions=partitions)
            alerting = replace(alerting, partitions=partitions)
            for topic in (*aggregated.sources[1:], aggregated.enterprises, aggregated.snapshots,
                          alerting.alerts, alerting.actions, alerting.risk_changes,
                          alerting.dead_letters):  # fmt: skip
                _partitions(settings, topic)
            experts = set(load_experts(settings.experts_file))
            limits = alert_limits(settings.alert_thresholds)
    app = make_app(settings, app_id=app_id)
    register_intake_counter(app, IntakeTopics(intake_source, intake_result, intake_partitions))
    if hub:
        registry = load_registry(settings.schemas_path)
        codes = load_code_lists(settings.schemas_path, settings.districts_file)
        inputs = register_inputs(app, aggregated, registry)
        alerts = register_alerting(app, inputs, alerting, registry, codes.hazard_factors,
                                   experts, limits)  # fmt: skip
        register_aggregation(app, inputs, aggregated, registry,
                             on_weeks_changed=alerts.watch_weeks)  # fmt: skip
    process = faust.Worker(app, loglevel=loglevel)
    if not sys.stdout.isatty():
        process.spinner = None  # its cursor codes would litter log files
    process.execute_from_commandline()
