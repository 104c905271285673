"""`injuryhub alerts`: the alerts as their newest revisions say, the lifecycle steps people take
on them (acknowledge, assign an expert, verify, rectify, close), and the experts who fit one."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from kafka.errors import KafkaError
from rich.table import Table

from agents.aggregation.windows import CITY_ZONE
from agents.alerting.book import STEPS
from agents.alerting.experts import ExpertRegistryError, experts_for, load_experts
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from streams.alert_actions import publish_action
from streams.clients import read_to_end
from streams.contracts.registry import SchemaRegistry, load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings

app = typer.Typer(help="Risk alerts (工伤事故风险预警) and their lifecycle.", no_args_is_help=True)
Prefix = Annotated[str, typer.Option(help="Topic prefix (a replay's sandbox).")]


def latest_alerts(settings: HubSettings, registry: SchemaRegistry, prefix: str) -> dict[str, Any]:
    """alert id -> its newest revision on hub.alerts."""
    latest: dict[str, Any] = {}
    for record in asyncio.run(
        read_to_end(settings.bootstrap, prefix + "hub.alerts", auth=settings.kafka_auth)
    ):
        _, alert = decode(registry, record.value or b"")
        known = latest.get(alert["alert_id"])
        if known is None or alert["revision"] >= known["revision"]:
            latest[alert["alert_id"]] = alert
    return latest


@app.command("list")
def list_alerts(
    status: Annotated[str | None, typer.Option(help="Only this status (OPEN, CLOSED, …).")] = None,
    topic_prefix: Prefix = "",
) -> None:
    """The alerts, most severe and newest first."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError):
        alerts = latest_alerts(settings, load_registry(settings.schemas_path), topic_prefix)
    rank = {"RED": 0, "ORANGE": 1, "YELLOW": 2, "BLUE": 3}
    shown = [a for a in alerts.values() if status is None or a["status"] == status.upper()]
    shown.sort(key=lambda a: (rank[a["severity"]], -a["envelope"]["occurred_at"].timestamp()))
    table = Table("预警 alert", "等级 severity", "状态 status", "时间 when", "信息 message")
    for alert in shown:
        when = alert["envelope"]["occurred_at"].astimezone(CITY_ZONE)
        table.add_row(alert["alert_id"], alert["severity"], alert["status"],
                      f"{when:%Y-%m-%d}", alert["message_zh"])  # fmt: skip
    console.print(table)
    console.print(f"{len(shown)} of {len(alerts)} alerts")


@app.command()
def experts(alert_id: str, topic_prefix: Prefix = "") -> None:
    """The experts whose speciality fits the alert's industry, the closest fit first."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError, ExpertRegistryError, UserFacingError):
        alert = _alert(settings, alert_id, topic_prefix)
        for expert in experts_for(load_experts(settings.experts_file), alert["industry"] or ""):
            console.print(f"{expert.expert_id}  {expert.name}  ({', '.join(expert.specialities)})")


def _alert(settings: HubSettings, alert_id: str, prefix: str) -> dict[str, Any]:
    alerts = latest_alerts(settings, load_registry(settings.schemas_path), prefix)
    if alert_id not in alerts:
        raise UserFacingError(f"no alert {alert_id!r} on {prefix}hub.alerts")
    found: dict[str, Any] = alerts[alert_id]
    return found


@app.command()
def act(
    alert_id: str,
    step: Annotated[str, typer.Argument(help=f"One of {', '.join(STEPS)}.")],
    by: Annotated[str, typer.Option("--by", help="Who takes the step (name or account).")],
    expert: Annotated[str | None, typer.Option(help="The expert's id (ASSIGN).")] = None,
    note: Annotated[str, typer.Option(help="Why, what was found or done.")] = "",
    topic_prefix: Prefix = "",
) -> None:
    """Take a lifecycle step on an alert; the alert-book agent applies it and re-sends the alert
    (a step it refuses goes to hub.dlq.hub with the reason)."""
    settings = load_settings()
    step = step.upper()
    with clear_errors(KafkaError, LookupError, ExpertRegistryError, UserFacingError):
        alert = _alert(settings, alert_id, topic_prefix)
        follows, _ = STEPS.get(step, ((), ""))
        if not follows:
            raise UserFacingError(f"step {step!r} is none of {', '.join(STEPS)}")
        if alert["status"] not in follows:
            raise UserFacingError(f"alert {alert_id} is {alert['status']}: {step} follows "
                                  f"{' or '.join(follows)}")  # fmt: skip
        if step == "ASSIGN" and expert not in load_experts(settings.experts_file):
            raise UserFacingError(
                f"expert {expert!r} is not in the expert registry "
                f"(`injuryhub alerts experts {alert_id}` lists who fits)"
            )
        publish_action(settings, alert_id, step, by, expert, note, topic_prefix)
    console.print(f"{step} on {alert_id} sent")
