"""Access requests (共享申请): a department asks for a topic it does not read, with a purpose, the
fields it needs and a period; what happens to the request is a sequence of steps.

- 无条件共享 items are granted at once by the hub; 有条件共享 ones wait for the owner, who
  approves or refuses with a reason; 不予共享 ones cannot be asked for.
- The answer is due within working days (``Deadlines``); a request still unanswered when due is
  reminded to its owner, and escalated to the joint-meeting office a few working days later.
- A grant ends when its owner (or the office) revokes it, or when its period runs out.

Everything here is pure: steps in, state or new steps out, with the time passed in. The steps
travel as ``hub.governance-event`` on ``hub.governance`` (streams/governance/ledger.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol, Self, TypeVar

from streams.access.principals import Grant
from streams.governance.calendar import WorkCalendar
from streams.governance.catalogue import Access, CatalogueEntry, TopicAccess
from streams.governance.deadlines import DEFAULT_DEADLINES, Deadlines, lateness

Step = Literal["SUBMITTED", "GRANTED", "REFUSED", "REVOKED", "EXPIRED", "REMINDED", "ESCALATED",
               "FLAGGED", "CONFIRMED", "REJECTED", "CORRECTED"]  # fmt: skip
Status = Literal["pending", "granted", "refused", "revoked", "expired"]
#: who acts for the hub itself (automatic grants, reminders, expiry)
HUB_ACTOR = "hub"
#: the joint-meeting office (联席会议办公室): escalations go to it, and it may revoke any grant
OFFICE = "office"


class RequestRefused(ValueError):
    """A request or decision the rules do not allow; the message says why and what to do."""


@dataclass(frozen=True)
class GovernanceStep:
    """One step of a request or a correction (the payload of a ``hub.governance-event``)."""

    subject_kind: Literal["ACCESS_REQUEST", "CORRECTION"]
    subject_id: str
    step: Step
    at: datetime  # aware
    actor: str
    requester: str
    owner: str
    topic: str
    reason: str = ""
    fields: tuple[str, ...] = ()
    access_from: datetime | None = None
    access_until: datetime | None = None
    due_at: datetime | None = None
    event_ref: str | None = None


@dataclass(frozen=True)
class RequestState:
    request_id: str
    requester: str
    owner: str
    topic: str
    purpose: str
    fields: tuple[str, ...]
    access_from: datetime | None
    access_until: datetime | None
    submitted_at: datetime
    due_at: datetime
    status: Status = "pending"
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""  # of the refusal, revocation or expiry
    reminded: bool = False
    escalated: bool = False
    history: tuple[GovernanceStep, ...] = field(default=(), repr=False)

    def followed_by(self, step: GovernanceStep) -> RequestState:
        return replace(self, history=(*self.history, step))

    def active(self, now: datetime) -> bool:
        """Whether the grant lets the requester read now."""
        if self.status != "granted":
            return False
        started = self.access_from is None or self.access_from <= now
        return started and (self.access_until is None or now < self.access_until)


def grants_in_force(states: Iterable[RequestState], now: datetime) -> list[Grant]:
    return [Grant(s.requester, s.topic) for s in states if s.active(now)]


def granted_access(states: Iterable[RequestState], now: datetime) -> list[TopicAccess]:
    """The grants in force as the catalogue lists them: who, on which request, until when."""
    return [TopicAccess(s.topic, Access(s.requester, f"grant {s.request_id}", s.access_until))
            for s in states if s.active(now)]  # fmt: skip


def readers_of(entry: CatalogueEntry, states: Iterable[RequestState], now: datetime) -> list[str]:
    """Who may read ``entry``'s topic now: its owner, its standing readers (as the catalogue
    entry lists them) and the grants in force."""
    granted = [a.access.department for a in granted_access(states, now) if a.topic == entry.topic]
    return [a.department for a in entry.access] + granted


def new_request_id(now: datetime) -> str:
    return f"R{now:%Y%m%d}-{uuid.uuid4().hex[:6]}"


def submit(
    entry: CatalogueEntry,
    requester: str,
    actor: str,
    purpose: str,
    fields: Iterable[str],
    access_from: datetime | None,
    access_until: datetime | None,
    now: datetime,
    calendar: WorkCalendar,
    deadlines: Deadlines = DEFAULT_DEADLINES,
    request_id: str | None = None,
    known: Iterable[RequestState] = (),
) -> list[GovernanceStep]:
    """The steps of a new request for ``entry``'s topic (SUBMITTED, then GRANTED at once for
    an unconditional item). ``known``: the requests so far (one still open or granted for the
    same topic makes this one unnecessary). Raises RequestRefused."""
    wanted = tuple(dict.fromkeys(fields)) or tuple(f.name for f in entry.fields)
    _check_request(entry, requester, purpose, wanted, access_from, access_until, now)
    for other in known:
        same = other.requester == requester and other.topic == entry.topic
        if same and (other.status == "pending" or other.active(now)):
            raise RequestRefused(f"{requester} already has request {other.request_id} for "
                                 f"{entry.topic} ({other.status})")  # fmt: skip
    days = deadlines.unconditional if entry.sharing == "unconditional" else deadlines.conditional
    rid = request_id or new_request_id(now)
    submitted = GovernanceStep("ACCESS_REQUEST", rid, "SUBMITTED", now, actor, requester,
                               entry.owner, entry.topic, purpose, wanted, access_from,
                               access_until, calendar.deadline(now, days))  # fmt: skip
    if entry.sharing != "unconditional":
        return [submitted]
    return [submitted, replace(submitted, step="GRANTED", actor=HUB_ACTOR,
                               reason="无条件共享: granted on request")]  # fmt: skip


def _check_request(
    entry: CatalogueEntry,
    requester: str,
    purpose: str,
    wanted: tuple[str, ...],
    access_from: datetime | None,
    access_until: datetime | None,
    now: datetime,
) -> None:
    if entry.sharing == "not_shared":
        raise RequestRefused(f"{entry.topic} is 不予共享 (not shared) in the catalogue: it cannot "
                             "be requested")  # fmt: skip
    if requester in (entry.owner, "hub"):
        raise RequestRefused(f"{requester} owns {entry.topic}: nothing to request")
    if any(a.department == requester and a.basis == "standing" for a in entry.access):
        raise RequestRefused(f"{requester} already reads {entry.topic} (the joint meeting's "
                             "standing shares)")  # fmt: skip
    if not purpose.strip():
        raise RequestRefused("a request needs its purpose (用途)")
    known = {f.name for f in entry.fields}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise RequestRefused(f"{entry.topic} has no field(s) {', '.join(unknown)}; its fields: "
                             f"{', '.join(sorted(known))}")  # fmt: skip
    for moment in (access_from, access_until, now):
        if moment is not None and moment.tzinfo is None:
            raise RequestRefused("times must be aware (with a zone)")
    if access_until is not None and access_until <= max(access_from or now, now):
        raise RequestRefused("the access period must end after it starts and in the future")


def decide(
    state: RequestState, approve: bool, actor: str, department: str, reason: str, now: datetime
) -> GovernanceStep:
    """The owner's answer to a pending request: GRANTED, or REFUSED with its reason."""
    if department != state.owner:
        raise RequestRefused(f"only {state.owner}, the owner of {state.topic}, decides request "
                             f"{state.request_id}")  # fmt: skip
    if state.status != "pending":
        raise RequestRefused(f"request {state.request_id} is {state.status}, not pending")
    if not approve and not reason.strip():
        raise RequestRefused("a refusal needs its reason (拒绝理由)")
    return _step(state, "GRANTED" if approve else "REFUSED", now, actor, reason)


def revoke(
    state: RequestState, actor: str, department: str, reason: str, now: datetime
) -> GovernanceStep:
    if department not in (state.owner, OFFICE):
        raise RequestRefused(f"only {state.owner} or the joint-meeting office revokes "
                             f"{state.request_id}")  # fmt: skip
    if state.status != "granted":
        raise RequestRefused(f"request {state.request_id} is {state.status}: no grant to revoke")
    if not reason.strip():
        raise RequestRefused("a revocation needs its reason")
    return _step(state, "REVOKED", now, actor, reason)


def due_steps(
    states: Iterable[RequestState],
    now: datetime,
    calendar: WorkCalendar,
    deadlines: Deadlines = DEFAULT_DEADLINES,
) -> list[GovernanceStep]:
    """What the hub does by itself at ``now``: a reminder to the owner of each request now
    overdue, an escalation to the office for one still unanswered ``escalate_after`` working
    days past its deadline, and the end of each grant whose period ran out."""
    steps = []
    for state in states:
        if state.status == "granted" and state.access_until and state.access_until <= now:
            steps.append(_step(state, "EXPIRED", now, HUB_ACTOR, "the access period ended"))
        if state.status == "pending":
            for step, why in lateness(state.due_at, state.reminded, state.escalated, now,
                                      calendar, deadlines):  # fmt: skip
                steps.append(_step(state, step, now, HUB_ACTOR, why))
    return steps


def _step(
    state: RequestState, step: Step, now: datetime, actor: str, reason: str
) -> GovernanceStep:
    return GovernanceStep("ACCESS_REQUEST", state.request_id, step, now, actor, state.requester,
                          state.owner, state.topic, reason)  # fmt: skip


class Subject(Protocol):
    """A request's or a correction flag's state."""

    def followed_by(self, step: GovernanceStep) -> Self:
        """The same state with ``step`` added to its history."""
        ...


SubjectT = TypeVar("SubjectT", bound=Subject)


def fold_subjects(
    steps: Iterable[GovernanceStep],
    kind: str,
    opening: Step,
    start: Callable[[GovernanceStep], SubjectT],
    apply: Callable[[SubjectT, GovernanceStep], SubjectT | None],
) -> dict[str, SubjectT]:
    """Each subject's state after ``steps`` (in log order): ``start`` on its opening step,
    ``apply`` on each later one. A step its state does not allow (``apply`` gives None: a second
    answer, say) is ignored, so reading the log again gives the same states."""
    states: dict[str, SubjectT] = {}
    for step in steps:
        if step.subject_kind != kind:
            continue
        state = states.get(step.subject_id)
        if state is None:
            if step.step == opening:
                states[step.subject_id] = start(step)
            continue
        changed = apply(state, step)
        if changed is not None:
            states[step.subject_id] = changed.followed_by(step)
    return states


def fold(steps: Iterable[GovernanceStep]) -> dict[str, RequestState]:
    """Every request's state after ``steps`` (the steps of corrections left to theirs)."""

    def start(step: GovernanceStep) -> RequestState:
        return RequestState(step.subject_id, step.requester, step.owner, step.topic, step.reason,
                            step.fields, step.access_from, step.access_until, step.at,
                            step.due_at or step.at, history=(step,))  # fmt: skip

    return fold_subjects(steps, "ACCESS_REQUEST", "SUBMITTED", start, _apply)


def _apply(state: RequestState, step: GovernanceStep) -> RequestState | None:
    match step.step, state.status:
        case "GRANTED", "pending":
            return replace(state, status="granted", decided_at=step.at, decided_by=step.actor)
        case "REFUSED", "pending":
            return replace(state, status="refused", decided_at=step.at, decided_by=step.actor,
                           reason=step.reason)  # fmt: skip
        case "REVOKED" | "EXPIRED", "granted":
            status: Status = "revoked" if step.step == "REVOKED" else "expired"
            return replace(state, status=status, reason=step.reason)
        case "REMINDED", "pending":
            return replace(state, reminded=True)
        case "ESCALATED", "pending":
            return replace(state, escalated=True)
    return None
