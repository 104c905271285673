"""Data corrections (校核纠错): a department that reads a record and finds it wrong flags it with
a reason; the owner confirms (or rejects, with a reason) within working days, and publishes the
corrected record, which supersedes the original by its event id.

The corrected record keeps the original's event id and key, so each aggregate it fed replaces
that contribution (agents/aggregation/cells.py keeps one per identity) instead of adding to it.
A correction may therefore not change what places a record in the aggregates — its enterprise,
district, industry, occurred time, or the numbers that identify it — because the original's
contribution would stay where it was; such a record is corrected at its source and replayed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from streams.contracts.envelope import payload_sha256
from streams.governance.calendar import WorkCalendar
from streams.governance.catalogue import CatalogueEntry
from streams.governance.deadlines import DEFAULT_DEADLINES, Deadlines, lateness
from streams.governance.requests import (
    HUB_ACTOR,
    GovernanceStep,
    RequestRefused,
    Step,
    fold_subjects,
)

CorrectionStatus = Literal["pending", "confirmed", "rejected", "corrected"]
#: fields that place a record in the aggregates or name it (what the contributions' identities
#: are made of, agents/aggregation/metrics.py)
PLACING_FIELDS = frozenset({"enterprise_id", "district", "industry", "accident_type",
                            "application_no", "month", "payee_uscc", "uscc"})  # fmt: skip


@dataclass(frozen=True)
class CorrectionState:
    flag_id: str
    flagger: str
    owner: str
    topic: str
    event_id: str
    reason: str
    flagged_at: datetime
    due_at: datetime
    status: CorrectionStatus = "pending"
    decided_by: str | None = None
    note: str = ""  # the owner's, on confirming or rejecting
    correction: str = ""  # where the corrected record went (topic[partition]@offset)
    reminded: bool = False
    escalated: bool = False
    history: tuple[GovernanceStep, ...] = field(default=(), repr=False)

    def followed_by(self, step: GovernanceStep) -> CorrectionState:
        return replace(self, history=(*self.history, step))

    @property
    def open(self) -> bool:
        """Whether the owner still owes an answer (a confirmed flag owes the correction)."""
        return self.status in ("pending", "confirmed")


def new_flag_id(now: datetime) -> str:
    return f"C{now:%Y%m%d}-{uuid.uuid4().hex[:6]}"


def flag(
    entry: CatalogueEntry,
    flagger: str,
    actor: str,
    event_id: str,
    reason: str,
    now: datetime,
    calendar: WorkCalendar,
    readers: Iterable[str],
    deadlines: Deadlines = DEFAULT_DEADLINES,
    flag_id: str | None = None,
) -> GovernanceStep:
    """A flag on ``event_id`` of ``entry``'s topic by ``flagger``, one of ``readers`` (who may
    read the topic now: its standing readers and grants in force)."""
    if flagger == entry.owner:
        raise RequestRefused(f"{flagger} owns {entry.topic}: it corrects its records itself "
                             "(`injuryhub correction publish` needs a confirmed flag)")  # fmt: skip
    if flagger not in set(readers):
        raise RequestRefused(f"{flagger} does not read {entry.topic}: a department flags what is "
                             "shared with it")  # fmt: skip
    if not reason.strip():
        raise RequestRefused("a flag needs its reason (what is wrong, and why)")
    return GovernanceStep("CORRECTION", flag_id or new_flag_id(now), "FLAGGED", now, actor,
                          flagger, entry.owner, entry.topic, reason, (), None, None,
                          calendar.deadline(now, deadlines.correction), event_id)  # fmt: skip


def _owner_only(state: CorrectionState, department: str, expected: CorrectionStatus) -> None:
    if department != state.owner:
        raise RequestRefused(f"only {state.owner}, the owner of {state.topic}, answers or "
                             f"corrects flag {state.flag_id}")  # fmt: skip
    if state.status != expected:
        raise RequestRefused(f"flag {state.flag_id} is {state.status}, not {expected}")


def answer(
    state: CorrectionState, confirm: bool, actor: str, department: str, note: str, now: datetime
) -> GovernanceStep:
    """The owner's answer: CONFIRMED (the record is wrong) or REJECTED with its reason."""
    _owner_only(state, department, "pending")
    if not confirm and not note.strip():
        raise RequestRefused("a rejected flag needs its reason (驳回理由)")
    return _step(state, "CONFIRMED" if confirm else "REJECTED", now, actor, note)


def may_publish(state: CorrectionState, department: str) -> None:
    """RequestRefused unless ``department`` may publish the flag's corrected record now: its
    owner, once it confirmed the flag."""
    _owner_only(state, department, "confirmed")


def corrected(
    state: CorrectionState, actor: str, department: str, where: str, now: datetime
) -> GovernanceStep:
    """The owner published the corrected record (at ``where``)."""
    may_publish(state, department)
    return replace(_step(state, "CORRECTED", now, actor, f"corrected record at {where}"),
                   event_ref=state.event_id)  # fmt: skip


def due_correction_steps(
    states: Iterable[CorrectionState],
    now: datetime,
    calendar: WorkCalendar,
    deadlines: Deadlines = DEFAULT_DEADLINES,
) -> list[GovernanceStep]:
    """Reminders and escalations of the flags still open past their deadline."""
    steps = []
    for state in states:
        if state.open:
            late = lateness(state.due_at, state.reminded, state.escalated, now, calendar, deadlines)
            steps += [_step(state, step, now, HUB_ACTOR, why) for step, why in late]
    return steps


def _step(
    state: CorrectionState, step: Step, now: datetime, actor: str, reason: str
) -> GovernanceStep:
    return GovernanceStep("CORRECTION", state.flag_id, step, now, actor, state.flagger,
                          state.owner, state.topic, reason, event_ref=state.event_id)  # fmt: skip


def fold_corrections(steps: Iterable[GovernanceStep]) -> dict[str, CorrectionState]:
    """Every flag's state after ``steps``; steps its state does not allow are ignored."""

    def start(step: GovernanceStep) -> CorrectionState:
        return CorrectionState(step.subject_id, step.requester, step.owner, step.topic,
                               step.event_ref or "", step.reason, step.at, step.due_at or step.at,
                               history=(step,))  # fmt: skip

    return fold_subjects(steps, "CORRECTION", "FLAGGED", start, _apply)


def _apply(state: CorrectionState, step: GovernanceStep) -> CorrectionState | None:
    match step.step, state.status:
        case "CONFIRMED", "pending":
            return replace(state, status="confirmed", decided_by=step.actor, note=step.reason)
        case "REJECTED", "pending":
            return replace(state, status="rejected", decided_by=step.actor, note=step.reason)
        case "CORRECTED", "confirmed":
            return replace(state, status="corrected",
                           correction=step.reason.removeprefix("corrected record at "))  # fmt: skip
        case "REMINDED", "pending" | "confirmed":
            return replace(state, reminded=True)
        case "ESCALATED", "pending" | "confirmed":
            return replace(state, escalated=True)
    return None


def corrected_record(
    original: dict[str, Any],
    changes: Mapping[str, Any],
    schema_definition: dict[str, Any],
    actor: str,
    flag_id: str,
    now: datetime,
) -> dict[str, Any]:
    """``original`` (a decoded event) with ``changes`` to its payload: the same event id, a new
    payload hash, reported now by ``actor``. Raises RequestRefused for a change it cannot take."""
    fields = {f["name"]: f for f in schema_definition["fields"] if f["name"] != "envelope"}
    if not changes:
        raise RequestRefused("a correction changes at least one field (--set name=value)")
    for name in changes:
        if name not in fields:
            raise RequestRefused(f"{original['envelope']['event_type']} has no field {name!r}")
        if name in PLACING_FIELDS:
            raise RequestRefused(
                f"{name} places or names the record in the aggregates: correct it at the source "
                "and replay it (the original's contribution would otherwise stay counted)"
            )
        low_high = fields[name].get("injuryhub.range")
        value = changes[name]
        if low_high and value is not None and not low_high[0] <= value <= low_high[1]:
            raise RequestRefused(f"{name}={value} is outside {low_high[0]}..{low_high[1]}")
    record = {**original, **changes}
    payload = {name: record[name] for name in fields}
    envelope = original["envelope"]
    record["envelope"] = {
        **envelope,
        "reported_at": now,
        "source_position": f"correction {flag_id} of {envelope['source_position']}",
        "provenance": {"producer": f"person:{actor}", "payload_sha256": payload_sha256(payload)},
    }
    return record


def parse_value(raw: str, avro_type: Any) -> Any:
    """A command-line value for a field of ``avro_type``: JSON where it parses (numbers, null,
    true/false), else the text itself."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return raw
    wants_text = avro_type == "string" or (isinstance(avro_type, list) and "string" in avro_type)
    if wants_text and isinstance(value, int | float) and not isinstance(value, bool):
        return raw  # a code such as "0101" stays text
    return value
