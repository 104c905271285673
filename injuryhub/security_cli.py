"""`injuryhub security ...`: the departments' and the hub's Kafka principals and their ACLs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.table import Table

from injuryhub.console import clear_errors, console, load_settings
from injuryhub.wiring import connector_routes
from streams.access.apply import (
    AccessError,
    apply_plan,
    credentials_path,
    principal_password,
    write_login,
)
from streams.access.principals import access_plan
from streams.broker.cluster import LocalCluster
from streams.broker.errors import BrokerError
from streams.contracts.registry import load_registry
from streams.governance.ledger import Ledger, LedgerUnreadable, now_utc
from streams.governance.requests import fold, grants_in_force
from streams.kafka_auth import KafkaAuth
from streams.settings import HubSettings
from streams.topics.admin import admin_client
from streams.topics.catalogue import catalogue

app = typer.Typer(help="Logins (SASL/SCRAM) and ACLs per department on a secured cluster.")


def credentials_dir(settings: HubSettings) -> Path:
    return settings.state_dir.resolve() / "security"


def _local_admin(settings: HubSettings) -> KafkaAuth | None:
    """The local cluster's administrator login, if this process talks to the local cluster
    and it asks for logins."""
    if settings.bootstrap_servers is not None:
        return None
    with clear_errors(BrokerError):
        auth = LocalCluster(settings).admin_auth()
    return auth if auth.uses_sasl else None


def secured_cluster(settings: HubSettings) -> bool:
    """Whether the cluster asks for logins (and so enforces ACLs)."""
    return _local_admin(settings) is not None or settings.kafka_auth.uses_sasl


def administrator(settings: HubSettings) -> KafkaAuth:
    """The local cluster's administrator; on another cluster, whoever the settings log in as."""
    if (local := _local_admin(settings)) is not None:
        return local
    if not settings.kafka_auth.uses_sasl:
        console.print(
            "[red]this cluster does not ask for logins: start a new local one with "
            "`injuryhub broker start --security sasl`, or log in as an administrator of yours "
            "(INJURYHUB_KAFKA_SECURITY_PROTOCOL, _USERNAME, _PASSWORD)[/red]"
        )
        raise typer.Exit(1)
    return settings.kafka_auth


@app.command()
def init(
    topic_prefix: Annotated[
        str, typer.Option(help="Before every topic name, as the worker's --topic-prefix.")
    ] = "",
) -> None:
    """Create each department's and the hub's principal with its ACLs (safe to run again: it
    makes the ACLs exactly the plan's, with the access grants in force on hub.governance).
    Passwords go to <state>/security/<principal>.env."""
    settings = load_settings()
    admin_auth = administrator(settings)
    ledger = Ledger(settings, load_registry(settings.schemas_path), topic_prefix, admin_auth)
    with clear_errors(LedgerUnreadable):
        grants = grants_in_force(fold(ledger.steps()).values(), now_utc())
    plan = access_plan(catalogue(), connector_routes(), settings.app_id, topic_prefix, grants)
    folder = credentials_dir(settings)
    passwords = {principal: principal_password(folder, principal) for principal in plan}
    for principal, password in passwords.items():
        write_login(folder, principal, password, admin_auth)
    with (
        clear_errors(KafkaError, AccessError),
        admin_client(settings.bootstrap, auth=admin_auth) as admin,
    ):
        report = apply_plan(admin, plan, passwords)
    if admin_auth.username and admin_auth.password and settings.bootstrap_servers is None:
        # The local cluster's administrator, for whoever operates it (creates topics, replays).
        write_login(folder, admin_auth.username, admin_auth.password, admin_auth)
    table = Table(title=f"principals on {settings.bootstrap}")
    for column in ("principal", "ACLs", "login settings"):
        table.add_column(column)
    for principal in report.principals:
        table.add_row(
            principal, str(len(plan[principal])), str(credentials_path(folder, principal))
        )
    console.print(table)
    console.print(
        f"{len(report.created)} ACL(s) created, {len(report.removed)} removed; a process logs "
        "in as a principal by loading its .env file (e.g. `set -a; . <file>; set +a`)"
    )
