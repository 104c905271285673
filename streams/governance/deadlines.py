"""How long an answer may take, in working days, and what the hub does when it is late: a
reminder to whoever owes the answer once it is due, an escalation to the joint-meeting office a
few working days later. Shared by access requests and data corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from streams.governance.calendar import CITY_ZONE, WorkCalendar


@dataclass(frozen=True)
class Deadlines:
    """Working days allowed for an answer: to a request by the item's sharing class, to a
    correction flag (校核); and the working days overdue before an escalation."""

    unconditional: int = 2
    conditional: int = 5
    correction: int = 5
    escalate_after: int = 2


def lateness(
    due_at: datetime,
    reminded: bool,
    escalated: bool,
    now: datetime,
    calendar: WorkCalendar,
    deadlines: Deadlines,
) -> list[tuple[Literal["REMINDED", "ESCALATED"], str]]:
    """The steps an open matter due at ``due_at`` needs at ``now``, with their reasons."""
    found: list[tuple[Literal["REMINDED", "ESCALATED"], str]] = []
    if now >= due_at and not reminded:
        found.append(("REMINDED", f"overdue since {due_at.isoformat()}"))
    late = -calendar.working_days_left(now, due_at)
    if late >= deadlines.escalate_after and not escalated:
        found.append(("ESCALATED", f"{late} working day(s) overdue: to the joint-meeting office"))
    return found


#: the settings' defaults (INJURYHUB_SHARING_DEADLINES overrides them)
DEFAULT_DEADLINES = Deadlines()


def last_day(due: datetime) -> date:
    """The city day a deadline (the midnight after it) closes."""
    return (due.astimezone(CITY_ZONE) - timedelta(microseconds=1)).date()


def deadline_status(
    open_: bool, due_at: datetime, reminded: bool, escalated: bool, now: datetime,
    calendar: WorkCalendar,
) -> str:  # fmt: skip
    """For people: working days left, or how late, of a matter still open."""
    if not open_:
        return "answered"
    left = calendar.working_days_left(now, due_at)
    flags = " · escalated" if escalated else " · reminded" if reminded else ""
    if now < due_at:
        return f"{left} working day(s) left{flags}"
    return f"overdue by {-left} working day(s){flags}"
