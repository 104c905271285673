"""`injuryhub correction ...`: 校核纠错, a reader flags a wrong record, its owner confirms or
rejects it within working days, and publishes the corrected record (same event id: it
supersedes the original, and the aggregates replace its contribution)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table

from injuryhub.console import clear_errors, console
from injuryhub.governance_desk import ERRORS, Actor, Desk, Prefix, open_desk
from injuryhub.wiring import load_contracts
from streams.clients import Record, make_producer, read_to_end
from streams.contracts.wire import DecodeError, decode, encode
from streams.governance.corrections import (
    answer,
    corrected,
    corrected_record,
    flag,
    may_publish,
    parse_value,
)
from streams.governance.deadlines import deadline_status, last_day
from streams.governance.ledger import now_utc
from streams.governance.requests import RequestRefused

app = typer.Typer(help="校核纠错 data corrections: flag, confirm or reject, publish.")
Department = Annotated[str, typer.Option(help="The actor's department.")]


def _latest(desk: Desk, topic: str, event_id: str) -> tuple[Record, dict[str, Any]]:
    """The newest message of ``event_id`` on ``topic`` (a corrected one, if any)."""
    found = None
    records = asyncio.run(read_to_end(desk.settings.bootstrap, desk.prefix + topic,
                                      auth=desk.settings.kafka_auth))  # fmt: skip
    for record in records:
        try:
            _, event = decode(desk.registry, record.value or b"", topic)
        except DecodeError:
            continue
        if event["envelope"]["event_id"] == event_id:
            found = (record, event)
    if found is None:
        raise RequestRefused(f"no event {event_id} on {desk.prefix + topic}")
    return found


@app.command("flag")
def flag_record(
    department: Annotated[str, typer.Option(help="The department that found the error.")],
    topic: Annotated[str, typer.Option(help="The record's topic (as in the catalogue).")],
    event_id: Annotated[str, typer.Option(help="The wrong record's event id.")],
    reason: Annotated[str, typer.Option(help="What is wrong, and how it is known.")],
    actor: Actor,
    topic_prefix: Prefix = "",
) -> None:
    """Flag a record as wrong; its owner answers within the correction deadline."""
    with clear_errors(*ERRORS):
        desk = open_desk(topic_prefix)
        if topic not in desk.entries:
            raise RequestRefused(f"{topic} is not in the catalogue (`injuryhub catalogue`)")
        _latest(desk, topic, event_id)  # it must exist
        step = flag(desk.entries[topic], department, actor, event_id, reason, now_utc(),
                    desk.calendar, desk.readers(topic), desk.deadlines)  # fmt: skip
        desk.record([step])
    console.print(f"flag {step.subject_id}: pending; {step.owner} answers by the end of "
                  f"{last_day(step.due_at or step.at):%Y-%m-%d}")  # fmt: skip


@app.command()
def confirm(
    flag_id: str, actor: Actor, department: Department,
    note: Annotated[str, typer.Option(help="What the owner found.")] = "",
    topic_prefix: Prefix = "",
) -> None:  # fmt: skip
    """The owner agrees the record is wrong (then publishes the correction)."""
    _answer(flag_id, True, actor, department, note, topic_prefix)


@app.command()
def reject(
    flag_id: str, actor: Actor, department: Department,
    reason: Annotated[str, typer.Option(help="Why the record stands (驳回理由).")],
    topic_prefix: Prefix = "",
) -> None:  # fmt: skip
    """The owner finds the record right, and says why."""
    _answer(flag_id, False, actor, department, reason, topic_prefix)


def _answer(
    flag_id: str, confirm: bool, actor: str, department: str, note: str, prefix: str
) -> None:
    with clear_errors(*ERRORS):
        desk = open_desk(prefix)
        desk.record([answer(desk.flag(flag_id), confirm, actor, department, note, now_utc())])
    console.print(f"flag {flag_id}: {desk.corrections[flag_id].status}")


@app.command()
def publish(
    flag_id: str, actor: Actor, department: Department,
    change: Annotated[
        list[str], typer.Option("--set", help="field=value to correct (repeat); JSON values.")
    ],
    topic_prefix: Prefix = "",
) -> None:  # fmt: skip
    """Publish the corrected record of a confirmed flag, superseding the original."""
    with clear_errors(*ERRORS, ValueError, TypeError):
        desk = open_desk(topic_prefix)
        state = desk.flag(flag_id)
        may_publish(state, department)  # before anything is read or published
        record, original = _latest(desk, state.topic, state.event_id)
        schema = desk.registry.latest(original["envelope"]["event_type"])
        types = {f["name"]: f["type"] for f in schema.definition["fields"]}
        changes = {}
        for one in change:
            name, sep, raw = one.partition("=")
            if not sep:
                raise RequestRefused(f"--set {one!r}: expected field=value")
            changes[name] = parse_value(raw, types.get(name))
        now = now_utc()
        fixed = corrected_record(original, changes, schema.definition, actor, flag_id, now)
        verdict = load_contracts(desk.settings).validator.validate(schema, fixed)
        if not verdict.ok:  # the contract's rules, as the connector applied them
            raise RequestRefused(f"the corrected record breaks its contract: "
                                 f"{'; '.join(verdict.reasons())}")  # fmt: skip
        with make_producer(desk.settings.bootstrap, "injuryhub-correction",
                           auth=desk.settings.kafka_auth) as producer:  # fmt: skip
            sent = producer.send(desk.prefix + state.topic, key=record.key,
                                 value=encode(schema, fixed)).get(timeout=30)  # fmt: skip
        where = f"{sent.topic}[{sent.partition}]@{sent.offset}"
        desk.record([corrected(state, actor, department, where, now)])
    console.print(f"flag {flag_id}: corrected record {state.event_id} published at {where}")


@app.command("list")
def list_flags(
    department: Annotated[
        str | None, typer.Option(help="Only flags by or to this department.")
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """Correction flags with their status and deadline."""
    with clear_errors(*ERRORS):
        desk = open_desk(topic_prefix)
    now = now_utc()
    table = Table(title=f"校核纠错 corrections · {desk.ledger.topic}")
    for column in ("flag", "by", "owner", "topic", "event", "status", "due by", "deadline"):
        table.add_column(column)
    for state in desk.corrections.values():
        if department and department not in (state.flagger, state.owner):
            continue
        table.add_row(state.flag_id, state.flagger, state.owner, state.topic, state.event_id,
                      state.status, f"{last_day(state.due_at):%Y-%m-%d}",
                      deadline_status(state.open, state.due_at, state.reminded, state.escalated,
                                      now, desk.calendar))  # fmt: skip
    console.print(table)
