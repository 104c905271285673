"""`injuryhub access ...`: access requests between departments, their deadlines, and the grants
that become Kafka ACLs (on a cluster with logins; on a plaintext one the grant is recorded and
takes effect at `injuryhub security init` on a secured one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.table import Table

from injuryhub.console import clear_errors, console, load_settings
from injuryhub.security_cli import administrator, secured_cluster
from injuryhub.wiring import connector_routes
from streams.access.apply import AccessError, reconcile
from streams.access.principals import access_plan, department_principal
from streams.contracts.registry import load_registry
from streams.governance.calendar import CITY_ZONE, CalendarError, WorkCalendar, load_calendar
from streams.governance.catalogue import CatalogueEntry, build_catalogue
from streams.governance.ledger import Ledger, LedgerUnreadable, now_utc
from streams.governance.requests import (
    Deadlines,
    GovernanceStep,
    RequestRefused,
    RequestState,
    decide,
    due_steps,
    fold,
    grants_in_force,
    revoke,
    submit,
)
from streams.settings import HubSettings
from streams.topics.admin import admin_client
from streams.topics.catalogue import DEPARTMENTS
from streams.topics.catalogue import catalogue as topic_catalogue

#: the steps that change what a department may read
GRANT_CHANGES = frozenset({"GRANTED", "REVOKED", "EXPIRED"})
app = typer.Typer(help="共享申请 access requests, grants and their deadlines.")
Prefix = Annotated[str, typer.Option(help="Before every topic name, as the worker's.")]
Actor = Annotated[str, typer.Option(help="Who acts (a person's name), for the log.")]


@dataclass
class Desk:
    """What every command needs: the log, the catalogue, the calendar and the states."""

    settings: HubSettings
    ledger: Ledger
    entries: dict[str, CatalogueEntry]
    calendar: WorkCalendar
    deadlines: Deadlines
    states: dict[str, RequestState]
    prefix: str

    def state(self, request_id: str) -> RequestState:
        if request_id not in self.states:
            raise RequestRefused(f"no request {request_id} in {self.ledger.topic}")
        return self.states[request_id]

    def record(self, steps: list[GovernanceStep]) -> None:
        """Append ``steps`` and make the ACLs of each department they concern follow."""
        self.ledger.append(steps)
        self.states = fold(self.ledger.steps())
        changed = {step.requester for step in steps if step.step in GRANT_CHANGES}
        for department in sorted(changed):
            self._enforce(department)

    def _enforce(self, department: str) -> None:
        if not secured_cluster(self.settings):
            console.print("[yellow]this cluster has no logins or ACLs: the grant is recorded, "
                          "and is enforced by `injuryhub security init` on a secured one"
                          "[/yellow]")  # fmt: skip
            return
        grants = grants_in_force(self.states.values(), now_utc())
        plan = access_plan(topic_catalogue(), connector_routes(), self.settings.app_id,
                           self.prefix, grants)  # fmt: skip
        principal = department_principal(department)
        with admin_client(self.settings.bootstrap, auth=administrator(self.settings)) as admin:
            added, removed = reconcile(admin, principal, plan[principal])
        console.print(f"{principal}: {len(added)} ACL(s) added, {len(removed)} removed")


def _desk(prefix: str) -> Desk:
    settings = load_settings()
    registry = load_registry(settings.schemas_path)
    ledger = Ledger(settings, registry, prefix)
    entries = {e.topic: e for e in build_catalogue(topic_catalogue(), registry)}
    calendar = load_calendar(settings.holidays_path)
    deadlines = Deadlines(**settings.sharing_deadlines)
    return Desk(settings, ledger, entries, calendar, deadlines, fold(ledger.steps()), prefix)


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), CITY_ZONE)


ERRORS = (RequestRefused, CalendarError, AccessError, KafkaError, LookupError, LedgerUnreadable)


@app.command()
def request(
    department: Annotated[str, typer.Option(help="The department asking.")],
    topic: Annotated[str, typer.Option(help="The topic (dept.<dept>.<event>.v<N>) asked for.")],
    purpose: Annotated[str, typer.Option(help="用途: what the data is for.")],
    actor: Actor,
    field: Annotated[
        list[str] | None, typer.Option(help="A field needed (repeat); none: all of them.")
    ] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of use.")
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of use (the grant ends after it)."),
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """Ask for access: granted at once if unconditional, else the owner decides."""
    with clear_errors(*ERRORS):
        if department not in DEPARTMENTS:
            raise RequestRefused(f"unknown department {department!r}; one of {DEPARTMENTS}")
        desk = _desk(topic_prefix)
        if topic not in desk.entries:
            raise RequestRefused(f"{topic} is not in the catalogue (`injuryhub catalogue`)")
        end = None if until is None else _start_of(until.date() + timedelta(days=1))
        steps = submit(desk.entries[topic], department, actor, purpose, field or (),
                       _start_of(start.date() if start else None), end, now_utc(),
                       desk.calendar, desk.deadlines, granted=desk.states.values())  # fmt: skip
        desk.record(steps)
    made = desk.states[steps[0].subject_id]
    console.print(f"request {made.request_id}: {made.status}; answer due by the end of "
                  f"{last_day(made.due_at):%Y-%m-%d}")  # fmt: skip


@app.command()
def approve(
    request_id: str, actor: Actor,
    department: Annotated[str, typer.Option(help="The actor's department (the owner).")],
    topic_prefix: Prefix = "",
) -> None:  # fmt: skip
    """The owner grants a pending request."""
    _decide(request_id, True, actor, department, "", topic_prefix)


@app.command()
def refuse(
    request_id: str, actor: Actor,
    department: Annotated[str, typer.Option(help="The actor's department (the owner).")],
    reason: Annotated[str, typer.Option(help="拒绝理由: why, for the requester.")],
    topic_prefix: Prefix = "",
) -> None:  # fmt: skip
    """The owner refuses a pending request, with its reason."""
    _decide(request_id, False, actor, department, reason, topic_prefix)


def _decide(
    request_id: str, approve: bool, actor: str, department: str, reason: str, prefix: str
) -> None:
    with clear_errors(*ERRORS):
        desk = _desk(prefix)
        desk.record([decide(desk.state(request_id), approve, actor, department, reason,
                            now_utc())])  # fmt: skip
    console.print(f"request {request_id}: {desk.states[request_id].status}")


@app.command("revoke")
def revoke_grant(
    request_id: str, actor: Actor,
    department: Annotated[str, typer.Option(help="The owner, or office (联席会议办公室).")],
    reason: Annotated[str, typer.Option(help="Why the grant ends.")],
    topic_prefix: Prefix = "",
) -> None:  # fmt: skip
    """End a grant before its period does."""
    with clear_errors(*ERRORS):
        desk = _desk(topic_prefix)
        desk.record([revoke(desk.state(request_id), actor, department, reason, now_utc())])
    console.print(f"request {request_id}: revoked")


@app.command()
def sweep(topic_prefix: Prefix = "") -> None:
    """What falls due now: reminders and escalations of overdue requests, expired grants."""
    with clear_errors(*ERRORS):
        desk = _desk(topic_prefix)
        steps = due_steps(desk.states.values(), now_utc(), desk.calendar, desk.deadlines)
        if steps:
            desk.record(steps)
    for step in steps:
        console.print(f"{step.subject_id}: {step.step} ({step.reason})")
    console.print(f"{len(steps)} step(s) due")


@app.command("list")
def list_requests(
    department: Annotated[
        str | None, typer.Option(help="Only requests by or to this department.")
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """Requests with their status and deadline (working days left, or late)."""
    with clear_errors(*ERRORS):
        desk = _desk(topic_prefix)
    now = now_utc()
    table = Table(title=f"共享申请 access requests · {desk.ledger.topic}")
    for column in ("request", "requester", "owner", "topic", "status", "due by", "deadline"):
        table.add_column(column)
    for state in desk.states.values():
        if department and department not in (state.requester, state.owner):
            continue
        table.add_row(state.request_id, state.requester, state.owner, state.topic, state.status,
                      f"{last_day(state.due_at):%Y-%m-%d}",
                      deadline_status(state, now, desk.calendar))  # fmt: skip
    console.print(table)


def last_day(due: datetime) -> date:
    """The city day a deadline (the midnight after it) closes."""
    return (due.astimezone(CITY_ZONE) - timedelta(microseconds=1)).date()


def deadline_status(state: RequestState, now: datetime, calendar: WorkCalendar) -> str:
    if state.status != "pending":
        return "answered"
    left = calendar.working_days_left(now, state.due_at)
    flags = " · escalated" if state.escalated else " · reminded" if state.reminded else ""
    if now < state.due_at:
        return f"{left} working day(s) left{flags}"
    return f"overdue by {-left} working day(s){flags}"
