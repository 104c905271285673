"""`injuryhub demo`: bring the hub up on the local defaults and show it working end to end."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from kafka.errors import KafkaError

from connectors.synthetic.dataset import DatasetError, read_ground_truth
from connectors.synthetic.generate import GROUND_TRUTH, GenerateError, YearOptions, latest_year
from dashboards.auth import UsersFileError, add_user
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from injuryhub.dashboard_process import start_dashboard, stop_dashboard
from injuryhub.demo_hub import (
    run_hub,
    show_aggregates,
    show_alerts,
    show_bulletins,
    show_provenance,
    show_rejects,
    sync_thematic,
)
from injuryhub.generate_cli import today, write_year
from injuryhub.replay_cli import replay_summary, replay_with_progress
from injuryhub.replaying import Replay
from streams.broker.cluster import LocalCluster
from streams.broker.errors import BrokerError
from streams.clients import make_producer
from streams.contracts.evolution import check_evolution
from streams.contracts.publish import SCHEMAS_TOPIC, publish_schemas
from streams.contracts.registry import SchemaFileError, SchemaRegistry, load_registry
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue

DEMO_USER = "demo-analyst"


def demo(
    scale: Annotated[
        float, typer.Option(help="The synthetic year's size (1 = Qingdao, 20,000 enterprises).")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="The synthetic year's seed.")] = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the worker.")] = 900,
    dashboard_port: Annotated[int, typer.Option(help="Port of the dashboard it leaves.")] = 8000,
) -> None:
    """Start Kafka, create the topics, generate a synthetic year, replay all seven departments'
    connectors, run the hub's agents over it in a Faust worker (aggregates, alerts, bulletins),
    sync the thematic database and leave the dashboard running on it."""
    settings = load_settings()
    with clear_errors(
        BrokerError,
        KafkaError,
        TimeoutError,
        SchemaFileError,
        GenerateError,
        DatasetError,
        duckdb.Error,
        UsersFileError,
    ):
        registry = _bring_up(settings)
        folder = _demo_year(settings, scale, seed)
        truth = read_ground_truth(folder)
        began = time.monotonic()
        outcomes = replay_with_progress(Replay(settings, folder), truth)
        if not replay_summary(outcomes, truth, time.monotonic() - began):
            raise UserFacingError("the replay does not match its ground truth")
        show_rejects(settings, registry)
        run = run_hub(settings, registry, truth, timeout)
        show_aggregates(run, truth)
        show_alerts(run, truth)
        show_bulletins(run)
        show_provenance(settings)
        stop_dashboard(settings)  # an earlier demo's holds the thematic database
        sync_thematic(settings, registry)
        password, _ = add_user(settings.dashboard_users_path, DEMO_USER, "analyst", None)
        # the year is scaled: so are the programme's training targets it is compared with
        targets = json.dumps(truth["training"]["targets_at_scale"])
        url = start_dashboard(settings, dashboard_port, env={"INJURYHUB_TRAINING_TARGETS": targets})
    console.print(
        f"[green]the hub is up[/green]: the dashboard is live on [bold]{url}[/bold] (log in as "
        f"{DEMO_USER} / {password}); `injuryhub alerts list`, `injuryhub thematic tables`. "
        "The broker and the dashboard keep running; `make stop` stops them."
    )


def _demo_year(settings: HubSettings, scale: float, seed: int) -> Path:
    """The demo's year, generated once and replayed (resuming) on later runs."""
    options = YearOptions(latest_year(today()), seed, scale)
    folder = settings.state_dir / "demo-years" / f"{options.year}-seed{seed}-scale{scale:g}"
    if (folder / GROUND_TRUTH).is_file():
        console.print(f"synthetic year {options.year} already generated in {folder}")
        return folder
    truth = write_year(folder, options, settings)
    console.print(
        f"generated {options.year}: {truth['enterprises']:,} enterprises, "
        f"{sum(truth['topics'].values()):,} records in the seven departments' native formats "
        f"({len(truth['bad_record_kinds'])} kinds of bad record mixed in) in {folder}"
    )
    return folder


def _bring_up(settings: HubSettings) -> SchemaRegistry:
    if settings.bootstrap_servers:
        console.print(f"using the Kafka cluster at {settings.bootstrap}")
    else:
        report = LocalCluster(settings).start()
        state = "started" if report.started else "already running"
        console.print(
            f"Kafka {report.layout.kafka_version} {state} on {report.layout.bootstrap} "
            f"({report.seconds:.1f} s)"
        )
    topics = ensure_topics(
        settings.bootstrap, catalogue(), settings.replication_factor, auth=settings.kafka_auth
    )
    console.print(f"{len(topics.existing)} catalogue topics ready ({len(topics.created)} new)")
    registry = load_registry(settings.schemas_path)
    problems = check_evolution(registry)
    if problems:
        raise UserFacingError("; ".join(map(str, problems)))
    with make_producer(settings.bootstrap, "injuryhub-demo", auth=settings.kafka_auth) as producer:
        sent = publish_schemas(producer, registry)
    console.print(
        f"{sent} Avro schemas of {len(registry.event_types)} event types checked and "
        f"published to {SCHEMAS_TOPIC}"
    )
    return registry
