"""`injuryhub access ...`: access requests between departments, their deadlines, and the grants
that become Kafka ACLs (on a cluster with logins; on a plaintext one the grant is recorded and
takes effect at `injuryhub security init` on a secured one)."""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.table import Table

from injuryhub.console import clear_errors, console
from injuryhub.governance_desk import ERRORS, Actor, Prefix, open_desk
from streams.governance.calendar import CITY_ZONE
from streams.governance.corrections import due_correction_steps
from streams.governance.deadlines import deadline_status, last_day
from streams.governance.ledger import now_utc
from streams.governance.requests import RequestRefused, decide, due_steps, revoke, submit
from streams.topics.catalogue import DEPARTMENTS

app = typer.Typer(help="共享申请 access requests, grants and their deadlines.")


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), CITY_ZONE)


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
        desk = open_desk(topic_prefix)
        if topic not in desk.entries:
            raise RequestRefused(f"{topic} is not in the catalogue (`injuryhub catalogue`)")
        end = None if until is None else _start_of(until.date() + timedelta(days=1))
        steps = submit(desk.entries[topic], department, actor, purpose, field or (),
                       _start_of(start.date() if start else None), end, now_utc(),
                       desk.calendar, desk.deadlines, known=desk.states.values())  # fmt: skip
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
        desk = open_desk(prefix)
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
        desk = open_desk(topic_prefix)
        desk.record([revoke(desk.state(request_id), actor, department, reason, now_utc())])
    console.print(f"request {request_id}: revoked")


@app.command()
def sweep(
    every: Annotated[
        float | None, typer.Option(help="Sweep again every this many seconds, until stopped.")
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """What falls due now: reminders and escalations of overdue requests and correction flags,
    expired grants; and every department's ACLs made to follow the grants in force (those
    granted on the dashboard too)."""
    while True:
        with clear_errors(*ERRORS):
            desk = open_desk(topic_prefix)
            now = now_utc()
            steps = due_steps(desk.states.values(), now, desk.calendar, desk.deadlines)
            steps += due_correction_steps(desk.corrections.values(), now, desk.calendar,
                                          desk.deadlines)  # fmt: skip
            if steps:
                desk.record(steps)
            # the enforcer of grants made elsewhere (the dashboard writes no ACLs)
            desk.enforce(DEPARTMENTS, quiet=True)
        for step in steps:
            console.print(f"{step.subject_id}: {step.step} ({step.reason})")
        console.print(f"{len(steps)} step(s) due at {now.astimezone(CITY_ZONE):%Y-%m-%d %H:%M}")
        if every is None:
            return
        time_module.sleep(every)


@app.command("list")
def list_requests(
    department: Annotated[
        str | None, typer.Option(help="Only requests by or to this department.")
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """Requests with their status and deadline (working days left, or late)."""
    with clear_errors(*ERRORS):
        desk = open_desk(topic_prefix)
    now = now_utc()
    table = Table(title=f"共享申请 access requests · {desk.ledger.topic}")
    for column in ("request", "requester", "owner", "topic", "status", "due by", "deadline"):
        table.add_column(column)
    for state in desk.states.values():
        if department and department not in (state.requester, state.owner):
            continue
        table.add_row(state.request_id, state.requester, state.owner, state.topic, state.status,
                      f"{last_day(state.due_at):%Y-%m-%d}",
                      deadline_status(state.status == "pending", state.due_at, state.reminded,
                                      state.escalated, now, desk.calendar))  # fmt: skip
    console.print(table)
