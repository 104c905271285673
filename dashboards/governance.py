"""The governance page's data: the catalogue with who reads what, access requests with their
deadline status, the grants in force, and correction flags — folded from ``hub.governance``.

A department's staff also ask for access, answer requests and flags addressed to their
department, flag records and revoke grants they gave; an administrator (the office) may revoke
any grant. The dashboard writes steps only: the ACLs follow at the next `injuryhub access sweep`,
which holds the administrator's rights the dashboard has not.

Visible by role: the catalogue to everyone (it is what may be asked for); a department's staff
see the requests and flags their department made or must answer, and the grants it holds or
gave; analysts and administrators (the joint-meeting office) see all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboards.auth import User
from streams.contracts.registry import SchemaRegistry
from streams.governance.calendar import WorkCalendar
from streams.governance.catalogue import CatalogueEntry, build_catalogue, to_json
from streams.governance.corrections import answer, flag, fold_corrections
from streams.governance.deadlines import DEFAULT_DEADLINES, Deadlines, deadline_status, last_day
from streams.governance.requests import (
    OFFICE,
    GovernanceStep,
    RequestRefused,
    RequestState,
    decide,
    fold,
    granted_access,
    readers_of,
    revoke,
    submit,
)
from streams.topics.catalogue import TopicSpec


def _sees(user: User, *departments: str) -> bool:
    return user.role != "department" or user.department in departments


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class GovernanceSource:
    """Where the page's data comes from: the log's steps (read anew each time), the topics and
    contracts the catalogue is built from, and the working-day calendar."""

    steps: Callable[[], list[GovernanceStep]]
    specs: tuple[TopicSpec, ...]
    registry: SchemaRegistry
    calendar: WorkCalendar
    deadlines: Deadlines = DEFAULT_DEADLINES
    #: publishing steps people take on the page (None: the page is read-only)
    append: Callable[[list[GovernanceStep]], object] | None = None


def _lateness(
    open_: bool, due_at: datetime, reminded: bool, escalated: bool, now: datetime,
    calendar: WorkCalendar,
) -> dict[str, Any]:  # fmt: skip
    """What the page words in its language: open, working days left (negative: late)."""
    left = calendar.working_days_left(now, due_at) if open_ else None
    return {"open": open_, "days_left": left, "overdue": open_ and now >= due_at,
            "reminded": reminded, "escalated": escalated}  # fmt: skip


def governance_page(user: User, source: GovernanceSource, now: datetime) -> dict[str, Any]:
    logged = source.steps()
    calendar = source.calendar
    requests, flags = fold(logged), fold_corrections(logged)
    in_force = [s for s in requests.values() if s.active(now)]
    entries = build_catalogue(source.specs, source.registry,
                              granted_access(requests.values(), now))  # fmt: skip
    return {
        "catalogue": to_json(entries),
        "requests": [
            {
                "request_id": s.request_id, "requester": s.requester, "owner": s.owner,
                "topic": s.topic, "purpose": s.purpose, "fields": list(s.fields),
                "status": s.status, "submitted_at": _time(s.submitted_at),
                "due_by": last_day(s.due_at).isoformat(), "reason": s.reason,
                "until": _time(s.access_until), "decided_by": s.decided_by,
                "deadline": deadline_status(s.status == "pending", s.due_at, s.reminded,
                                            s.escalated, now, calendar),
                **_lateness(s.status == "pending", s.due_at, s.reminded, s.escalated, now,
                            calendar),
            }
            for s in requests.values() if _sees(user, s.requester, s.owner)
        ],
        "grants": [
            {"request_id": s.request_id, "department": s.requester, "topic": s.topic,
             "owner": s.owner, "until": _time(s.access_until)}
            for s in in_force if _sees(user, s.requester, s.owner)
        ],
        "corrections": [
            {
                "flag_id": f.flag_id, "flagger": f.flagger, "owner": f.owner, "topic": f.topic,
                "event_id": f.event_id, "reason": f.reason, "status": f.status,
                "note": f.note, "correction": f.correction,
                "due_by": last_day(f.due_at).isoformat(),
                "deadline": deadline_status(f.open, f.due_at, f.reminded, f.escalated, now,
                                            calendar),
                **_lateness(f.open, f.due_at, f.reminded, f.escalated, now, calendar),
            }
            for f in flags.values() if _sees(user, f.flagger, f.owner)
        ],
    }  # fmt: skip


class NotYours(PermissionError):
    """The user's role or department may not take this step."""


def _department(user: User) -> str:
    if user.role != "department" or not user.department:
        raise NotYours("only a department's staff ask, answer or flag / 仅部门用户可办理")
    return user.department


def _appended(source: GovernanceSource, steps: list[GovernanceStep]) -> list[GovernanceStep]:
    if source.append is None:
        raise NotYours("the governance log is read-only here / 共享治理日志只读")
    source.append(steps)
    return steps


def _entries(source: GovernanceSource) -> dict[str, CatalogueEntry]:
    return {e.topic: e for e in build_catalogue(source.specs, source.registry)}


def ask(
    user: User, source: GovernanceSource, topic: str, purpose: str, fields: list[str],
    until: datetime | None, now: datetime,
) -> list[GovernanceStep]:  # fmt: skip
    """A request by the user's department (RequestRefused: why not)."""
    entries = _entries(source)
    if topic not in entries:
        raise RequestRefused(f"{topic} is not in the catalogue")
    known = fold(source.steps()).values()
    return _appended(source, submit(entries[topic], _department(user), user.name, purpose, fields,
                                    None, until, now, source.calendar, source.deadlines,
                                    known=known))  # fmt: skip


def _request(source: GovernanceSource, request_id: str) -> RequestState:
    states = fold(source.steps())
    if request_id not in states:
        raise LookupError(f"no request {request_id}")
    return states[request_id]


def answer_request(
    user: User, source: GovernanceSource, request_id: str, approve: bool, reason: str,
    now: datetime,
) -> list[GovernanceStep]:  # fmt: skip
    """The owner's answer; its grant takes effect at the next `injuryhub access sweep`."""
    step = decide(_request(source, request_id), approve, user.name, _department(user), reason, now)
    return _appended(source, [step])


def end_grant(
    user: User, source: GovernanceSource, request_id: str, reason: str, now: datetime
) -> list[GovernanceStep]:
    """A revocation by the owner, or by the office (an administrator)."""
    department = OFFICE if user.role == "admin" else _department(user)
    return _appended(source, [revoke(_request(source, request_id), user.name, department, reason,
                                     now)])  # fmt: skip


def flag_event(
    user: User, source: GovernanceSource, topic: str, event_id: str, reason: str, now: datetime
) -> list[GovernanceStep]:
    entries = _entries(source)
    if topic not in entries:
        raise RequestRefused(f"{topic} is not in the catalogue")
    readers = readers_of(entries[topic], fold(source.steps()).values(), now)
    return _appended(source, [flag(entries[topic], _department(user), user.name, event_id, reason,
                                   now, source.calendar, readers, source.deadlines)])  # fmt: skip


def answer_flag(
    user: User, source: GovernanceSource, flag_id: str, confirm: bool, note: str, now: datetime
) -> list[GovernanceStep]:
    flags = fold_corrections(source.steps())
    if flag_id not in flags:
        raise LookupError(f"no correction flag {flag_id}")
    return _appended(source, [answer(flags[flag_id], confirm, user.name, _department(user), note,
                                     now)])  # fmt: skip
