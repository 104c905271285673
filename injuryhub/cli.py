"""`injuryhub`: the one entry point, and the one place that wires the hub's parts together."""

from __future__ import annotations

import typer

from injuryhub import (
    access_cli,
    alerts_cli,
    audit_cli,
    broker_cli,
    bulletins_cli,
    catalogue_cli,
    connect_cli,
    connectors_cli,
    correction_cli,
    dashboard_cli,
    demo,
    generate_cli,
    push_cli,
    quarterly_cli,
    replay_cli,
    schemas_cli,
    security_cli,
    thematic_cli,
    topics_cli,
    worker_cli,
)

app = typer.Typer(
    name="injuryhub",
    help="injury-hub 工伤预防数据共享枢纽: work-injury prevention data sharing on Apache Kafka.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(broker_cli.app, name="broker")
app.add_typer(topics_cli.app, name="topics")
app.add_typer(schemas_cli.app, name="schemas")
app.add_typer(connectors_cli.app, name="connectors")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(thematic_cli.app, name="thematic")
app.add_typer(bulletins_cli.app, name="bulletins")
app.add_typer(security_cli.app, name="security")
app.add_typer(access_cli.app, name="access")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(correction_cli.app, name="correction")
app.command()(worker_cli.worker)
app.command()(demo.demo)
app.command()(catalogue_cli.catalogue)
app.command()(dashboard_cli.dashboard)
app.command()(quarterly_cli.quarterly)
app.command("dashboard-user")(dashboard_cli.dashboard_user)
app.command()(connect_cli.connect)
app.command("push-server")(push_cli.push_server)
app.command("generate")(generate_cli.generate_year)
app.command()(replay_cli.replay)


def main() -> None:
    app()
