"""`injuryhub dashboard`: serve the dashboard on the thematic database, which this process keeps
synced from the hub's topics (DuckDB lets one process write a file: the dashboard is it), and
`injuryhub dashboard-user` to add its users."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Annotated

import duckdb
import typer
import uvicorn
from kafka.errors import KafkaError

from agents.delivery.subscriptions import SubscriptionError, load_subscriptions
from agents.thematic.sink import ThematicDatabase, sink_topics, sync
from dashboards.api import Backing
from dashboards.auth import ROLES, UsersFileError, add_user, load_users
from dashboards.governance import GovernanceSource
from dashboards.web import create_app
from injuryhub.console import clear_errors, console, load_settings
from streams.alert_actions import publish_action
from streams.audit import AuditTrail
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.governance.calendar import load_calendar
from streams.governance.deadlines import Deadlines
from streams.governance.ledger import Ledger
from streams.kafka_auth import KafkaAuth
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue

log = logging.getLogger(__name__)


def keep_synced(database: ThematicDatabase, bootstrap: str, auth: KafkaAuth, prefix: str,
                every_s: float, stop: threading.Event) -> None:  # fmt: skip
    """Sync the database every ``every_s`` until ``stop``; an unreachable Kafka is retried."""
    topics = sink_topics(prefix)
    while not stop.is_set():
        try:
            sync(database, bootstrap, topics, auth=auth)
        except (KafkaError, duckdb.Error, OSError) as error:
            log.warning("thematic sync failed, retrying in %.0f s: %s", every_s, error)
        stop.wait(every_s)


def subscription_file(settings: HubSettings) -> tuple[Callable[[], str],
                                                      Callable[[str], None] | None]:  # fmt: skip
    """Reading and (validated, atomically) replacing the subscriptions file."""
    path = settings.subscriptions_file
    if path is None:
        return (lambda: '{"subscriptions": []}'), None

    def read() -> str:
        return path.read_text(encoding="utf-8") if path.exists() else '{"subscriptions": []}'

    def save(text: str) -> None:
        draft = path.with_name(path.name + ".draft")
        draft.write_text(text, encoding="utf-8")
        try:
            load_subscriptions(draft)
        except SubscriptionError as refused:
            draft.unlink()
            raise ValueError(str(refused).replace(str(draft), "the subscriptions")) from None
        draft.replace(path)

    return read, save


def build_backing(
    settings: HubSettings, database: ThematicDatabase, prefix: str, trail: AuditTrail
) -> Backing:
    read_subscriptions, save_subscriptions = subscription_file(settings)
    return Backing(
        connect=database.connection.cursor,
        users=load_users(settings.dashboard_users_path),
        codes=load_code_lists(settings.schemas_path, settings.districts_file),
        training_targets=settings.training_targets,
        publish_action=functools.partial(
            publish_action, settings, prefix=prefix, source_system="injuryhub-dashboard"
        ),
        audit=trail.record,
        read_subscriptions=read_subscriptions,
        save_subscriptions=save_subscriptions,
        governance=governance_source(settings, prefix),
    )


def governance_source(settings: HubSettings, prefix: str) -> GovernanceSource:
    registry = load_registry(settings.schemas_path)
    ledger = Ledger(settings, registry, prefix)
    return GovernanceSource(ledger.steps, catalogue(), registry,
                            load_calendar(settings.holidays_path),
                            Deadlines(**settings.sharing_deadlines), ledger.append)  # fmt: skip


def dashboard(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    topic_prefix: Annotated[str, typer.Option(help="Topic prefix (a replay's sandbox).")] = "",
    sync_every: Annotated[float, typer.Option(help="Seconds between syncs.")] = 2.0,
) -> None:
    """Serve the dashboard (态势全览 · 风险预警 · 政策效果评估) and its JSON API."""
    settings = load_settings()
    with clear_errors(duckdb.Error, UsersFileError, LookupError):
        database = ThematicDatabase(settings.thematic_path, load_registry(settings.schemas_path))
        trail = AuditTrail(settings, topic_prefix)
        backing = build_backing(settings, database, topic_prefix, trail)
    if not backing.users.by_name:
        console.print(f"[yellow]no dashboard users in {settings.dashboard_users_path}: add one "
                      "with `injuryhub dashboard-user NAME --role analyst`[/]")  # fmt: skip
    stop = threading.Event()
    arguments = (database, settings.bootstrap, settings.kafka_auth, topic_prefix, sync_every, stop)
    syncing = threading.Thread(target=keep_synced, args=arguments, name="thematic-sync",
                               daemon=True)  # fmt: skip
    syncing.start()
    console.print(f"dashboard on http://{host}:{port}/")
    try:
        uvicorn.run(create_app(settings, backing), host=host, port=port, log_level="warning")
    finally:
        stop.set()
        syncing.join(timeout=30)
        database.close()
        trail.close()  # sends what is still buffered


def dashboard_user(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "department",
    department: Annotated[
        str | None, typer.Option(help="A department user's department (hrss, emergency, …).")
    ] = None,
) -> None:
    """Add a dashboard user (or give one a new password and token); prints both once."""
    settings = load_settings()
    with clear_errors(UsersFileError):
        password, token = add_user(settings.dashboard_users_path, name, role, department)
    console.print(f"{name} ({role}) in {settings.dashboard_users_path}\n"
                  f"password: {password}\nAPI token: {token}")  # fmt: skip
