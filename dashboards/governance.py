"""The governance page's data: the catalogue with who reads what, access requests with their
deadline status, the grants in force, and correction flags — folded from ``hub.governance``.

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
from streams.governance.catalogue import Access, TopicAccess, build_catalogue, to_json
from streams.governance.corrections import fold_corrections
from streams.governance.deadlines import deadline_status, last_day
from streams.governance.requests import GovernanceStep, fold
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
    granted = [TopicAccess(s.topic, Access(s.requester, f"grant {s.request_id}", s.access_until))
               for s in in_force]  # fmt: skip
    entries = build_catalogue(source.specs, source.registry, granted)
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
