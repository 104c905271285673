"""`injuryhub demo`: bring the hub up on the local defaults and show it working end to end."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.table import Table

from connectors.synthetic.dataset import DatasetError, read_ground_truth
from connectors.synthetic.generate import GROUND_TRUTH, GenerateError, YearOptions, latest_year
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from injuryhub.generate_cli import today, write_year
from injuryhub.replay_cli import replay_summary, replay_with_progress
from injuryhub.replaying import Replay
from injuryhub.worker_cli import DEFAULT_INTAKE_RESULT, DEFAULT_INTAKE_SOURCE
from injuryhub.worker_process import running_worker
from streams.broker.cluster import LocalCluster
from streams.broker.errors import BrokerError
from streams.clients import latest_per_key, make_producer, read_to_end
from streams.contracts.evolution import check_evolution
from streams.contracts.publish import SCHEMAS_TOPIC, publish_schemas
from streams.contracts.registry import SchemaFileError, SchemaRegistry, load_registry
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue


def demo(
    scale: Annotated[
        float, typer.Option(help="The synthetic year's size (1 = Qingdao, 20,000 enterprises).")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="The synthetic year's seed.")] = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the worker.")] = 120,
) -> None:
    """Start Kafka, create the topics, generate a synthetic year, replay all seven departments'
    connectors, and count the accident reports in a Faust worker."""
    settings = load_settings()
    with clear_errors(
        BrokerError, KafkaError, TimeoutError, SchemaFileError, GenerateError, DatasetError
    ):
        _bring_up(settings)
        folder = _demo_year(settings, scale, seed)
        truth = read_ground_truth(folder)
        began = time.monotonic()
        outcomes = replay_with_progress(Replay(settings, folder), truth)
        if not replay_summary(outcomes, truth, time.monotonic() - began):
            raise UserFacingError("the replay does not match its ground truth")
        source_totals, agent_counts, seconds = _run_worker_until_counted(settings, timeout)
    _report(source_totals, agent_counts, seconds)


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
    topics = ensure_topics(settings.bootstrap, catalogue(), settings.replication_factor)
    console.print(f"{len(topics.existing)} catalogue topics ready ({len(topics.created)} new)")
    registry = load_registry(settings.schemas_path)
    problems = check_evolution(registry)
    if problems:
        raise UserFacingError("; ".join(map(str, problems)))
    with make_producer(settings.bootstrap, "injuryhub-demo") as producer:
        sent = publish_schemas(producer, registry)
    console.print(
        f"{sent} Avro schemas of {len(registry.event_types)} event types checked and "
        f"published to {SCHEMAS_TOPIC}"
    )
    return registry


def _run_worker_until_counted(
    settings: HubSettings, timeout: float
) -> tuple[Counter[str], dict[str, int], float]:
    """Run a worker until its counts equal what the source topic holds, per key."""
    source = asyncio.run(read_to_end(settings.bootstrap, DEFAULT_INTAKE_SOURCE))
    totals = Counter((record.key or b"").decode() for record in source)
    log = settings.state_dir.resolve() / "demo-worker.log"
    began = time.monotonic()
    with running_worker([], log) as worker:
        console.print(f"Faust worker running (pid {worker.pid}, log {log})")
        while True:
            counts = _agent_counts(settings)
            if counts == dict(totals):
                return totals, counts, time.monotonic() - began
            if worker.poll() is not None:
                raise UserFacingError(f"the worker exited with {worker.returncode}; see {log}")
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"the worker did not catch up within {timeout:.0f} s; see {log}")
            time.sleep(1)


def _agent_counts(settings: HubSettings) -> dict[str, int]:
    records = asyncio.run(read_to_end(settings.bootstrap, DEFAULT_INTAKE_RESULT))
    return {
        (key or b"").decode(): int(json.loads(value)["count"])
        for key, value in latest_per_key(records).items()
        if value is not None
    }


def _report(totals: Counter[str], counts: dict[str, int], seconds: float) -> None:
    table = Table(title="accident reports per enterprise: source topic vs Faust table (top 10)")
    for column in ("enterprise", "on source topic", "counted by agent"):
        table.add_column(column)
    for key, total in totals.most_common(10):
        table.add_row(key, str(total), str(counts.get(key, 0)))
    console.print(table)
    console.print(
        f"[green]counts reconcile[/green]: {sum(totals.values())} events of {len(totals)} "
        f"enterprises, worker caught up in {seconds:.1f} s. The broker keeps running; "
        "`make stop` stops it."
    )
