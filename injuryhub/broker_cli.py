"""`injuryhub broker ...`: the local Kafka cluster."""

from __future__ import annotations

import shutil
import subprocess
from typing import Annotated

import typer
from rich.table import Table

from injuryhub.console import clear_errors, console, load_settings
from streams.broker.cluster import LocalCluster
from streams.broker.errors import BrokerError
from streams.broker.jars import KAFKA_VERSION, JarFetchError, fetch_jars
from streams.broker.layout import Security
from streams.broker.readiness import registered_brokers
from streams.faust_app import table_store_dir
from streams.settings import HubSettings

app = typer.Typer(help="Run a real Apache Kafka cluster as local processes (no Docker needed).")


def _cluster(settings: HubSettings | None = None) -> LocalCluster:
    return LocalCluster(
        settings or load_settings(), on_progress=lambda msg: console.print(f"[dim]{msg}[/dim]")
    )


@app.command()
def fetch() -> None:
    """Resolve the pinned Kafka broker's jars with Maven into the cache (once)."""
    settings = load_settings()
    with clear_errors(JarFetchError):
        jars = fetch_jars(settings.cache_dir)
    console.print(
        f"Apache Kafka {KAFKA_VERSION} jars ready in {jars.libs} "
        f"({jars.size_bytes() / 2**20:.1f} MiB)"
    )


@app.command()
def start(
    nodes: Annotated[
        int | None,
        typer.Option(
            min=1, max=9, help="Nodes in the KRaft cluster (default: as formatted, or 1)."
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the cluster to answer.")
    ] = 120,
    security: Annotated[
        Security | None,
        typer.Option(
            help="A new cluster: plaintext, or sasl (logins and ACLs). Default: "
            "INJURYHUB_BROKER_SECURITY. A formatted cluster keeps its own."
        ),
    ] = None,
) -> None:
    """Start the local cluster in the background and wait until it answers requests."""
    settings = load_settings()
    if security is not None:
        settings = settings.model_copy(update={"broker_security": security})
    with clear_errors(BrokerError):
        report = _cluster(settings).start(nodes=nodes, timeout=timeout)
    layout = report.layout
    if not report.started:
        console.print(
            f"Kafka is already running: {layout.node_count} node(s) on {layout.bootstrap}; "
            "nothing to do."
        )
        return
    fresh = " (new cluster formatted)" if report.formatted else ""
    console.print(
        f"[green]Kafka {layout.kafka_version} up[/green]: node(s) {list(report.started)} on "
        f"{layout.bootstrap} in {report.seconds:.1f} s{fresh}"
    )
    if layout.security == "sasl":
        console.print(
            "SASL/SCRAM logins and ACLs are on: `injuryhub security init` creates the "
            "departments' and the hub's principals and their ACLs"
        )
    replicas = min(3, layout.node_count)
    if replicas > 1 and load_settings().replication_factor < replicas:
        console.print(
            f"hint: set INJURYHUB_REPLICATION_FACTOR={replicas} so that `injuryhub topics "
            "create` and the worker replicate the hub's topics across the nodes"
        )


@app.command()
def stop(
    timeout: Annotated[float, typer.Option(help="Seconds to wait before SIGKILL.")] = 60,
) -> None:
    """Stop every node of the local cluster (also after a crash)."""
    report = _cluster().stop(timeout=timeout)
    if report.stale_pid_files:
        console.print(f"removed stale pid files of node(s) {list(report.stale_pid_files)}")
    if not report.stopped:
        console.print("Kafka was not running.")
        return
    forced = (
        f", node(s) {list(report.killed)} killed after {timeout:.0f} s" if report.killed else ""
    )
    console.print(f"Kafka node(s) {list(report.stopped)} stopped in {report.seconds:.1f} s{forced}")


@app.command()
def status() -> None:
    """Show each node: pid, ports, and whether the cluster answers."""
    cluster = _cluster()
    layout = cluster.layout
    if layout is None:
        console.print("No local cluster yet: `injuryhub broker start` makes one.")
        raise typer.Exit(3)
    table = Table(
        title=f"Kafka {layout.kafka_version} · cluster {layout.cluster_id} · {layout.security}"
    )
    for column in ("node", "state", "pid", "client port", "controller port", "log"):
        table.add_column(column)
    states = cluster.node_states()
    for state in states:
        table.add_row(
            str(state.node.node_id),
            "[green]running[/green]" if state.running else "[red]stopped[/red]",
            str(state.pid or "-"),
            str(state.node.broker_port),
            str(state.node.controller_port),
            str(state.node.log_path),
        )
    console.print(table)
    running = [state for state in states if state.running]
    with clear_errors(BrokerError):
        auth = cluster.admin_auth()
    answering = registered_brokers(layout.bootstrap, auth=auth) if running else 0
    console.print(f"{answering} of {layout.node_count} broker(s) answering on {layout.bootstrap}")
    if answering < layout.node_count:
        raise typer.Exit(3)


@app.command()
def logs(
    node: Annotated[int, typer.Option(help="Which node's log.")] = 1,
    lines: Annotated[int, typer.Option("--lines", "-n", help="Lines from the end.")] = 40,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing.")] = False,
) -> None:
    """Print the end of a node's log."""
    with clear_errors(BrokerError):
        path = _cluster().log_path(node)
    if not path.exists():
        console.print(f"{path} does not exist yet.")
        return
    command = ["tail", f"-n{lines}", *(["-F"] if follow else []), str(path)]
    subprocess.run(command, check=False)


@app.command()
def reset() -> None:
    """Stop the cluster and delete its data and topics, and the workers' table stores with them."""
    report = _cluster().reset()
    stores = table_store_dir(load_settings())
    shutil.rmtree(stores, ignore_errors=True)
    console.print(
        f"stopped node(s) {list(report.stopped) or 'none'}; local cluster data and the workers' "
        f"table stores ({stores}) deleted."
    )
