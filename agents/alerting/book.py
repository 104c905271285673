"""The alert book of one subject (an enterprise, or a district × industry): one open alert per
rule, updated with new evidence, and its lifecycle (DESIGN.md: experts inspect, find hazards,
propose rectification, verify).

    OPEN --acknowledge--> ACKNOWLEDGED --assign expert--> ASSIGNED --verify--> VERIFIED
         --rectify--> RECTIFIED --close--> CLOSED

An expert may be re-assigned while ASSIGNED; an alert found false may be closed from OPEN or
ACKNOWLEDGED (with a note saying why). A finding for a rule whose alert is closed opens a new
alert (``<rule>/<subject>/<n+1>``) only if it brings evidence the closed ones did not have, so a
replayed event never reopens what people closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.alerting.findings import SEVERITY_RANK, Finding, to_ms

#: step -> (the statuses it may follow, the status it leads to)
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "ACKNOWLEDGE": (("OPEN",), "ACKNOWLEDGED"),
    "ASSIGN": (("ACKNOWLEDGED", "ASSIGNED"), "ASSIGNED"),
    "VERIFY": (("ASSIGNED",), "VERIFIED"),
    "RECTIFY": (("VERIFIED",), "RECTIFIED"),
    "CLOSE": (("OPEN", "ACKNOWLEDGED", "RECTIFIED"), "CLOSED"),
}


class ActionRefused(ValueError):
    """A lifecycle step that does not apply; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class Action:
    action_id: str  # the action event's id: applying it twice changes nothing
    alert_id: str
    step: str
    actor: str
    at_ms: int
    expert_id: str | None = None
    note: str = ""


def subject_key_of(alert_id: str) -> str:
    """``<rule>/<subject key>/<n>`` -> the subject key (what actions are partitioned by)."""
    parts = alert_id.split("/")
    if len(parts) != 3 or not parts[2].isdigit():
        raise ActionRefused(f"{alert_id!r} is not an alert id (<rule>/<subject>/<number>)")
    return parts[1]


def empty_book() -> dict[str, Any]:
    return {"alerts": {}, "opened": {}, "closed_evidence": {}}


def _merged(first: list[str], more: tuple[str, ...]) -> list[str]:
    return first + [event for event in more if event not in first]


def add_finding(book: dict[str, Any], found: Finding) -> dict[str, Any] | None:
    """Apply a finding; the alert if it opened or changed, else None."""
    rule, at = found.rule, to_ms(found.occurred)
    current: dict[str, Any] | None = book["alerts"].get(rule)
    if current is None or current["status"] == "CLOSED":
        closed = book["closed_evidence"].get(rule, [])
        if all(event in closed for event in found.evidence):
            return None
        number = book["opened"].get(rule, 0) + 1
        book["opened"][rule] = number
        current = {
            "alert_id": f"{rule}/{found.subject.key}/{number}", "rule": rule,
            "subject": found.subject.as_json(), "severity": found.severity,
            "evidence": list(found.evidence), "message_zh": found.message_zh,
            "message_en": found.message_en, "status": "OPEN", "opened_ms": at,
            "updated_ms": at, "revision": 1, "steps": [],
        }  # fmt: skip
        book["alerts"][rule] = current
        return current
    evidence = _merged(current["evidence"], found.evidence)
    severity = max(current["severity"], found.severity, key=SEVERITY_RANK.__getitem__)
    if evidence == current["evidence"] and severity == current["severity"]:
        return None
    current.update(evidence=evidence, severity=severity, message_zh=found.message_zh,
                   message_en=found.message_en, updated_ms=max(current["updated_ms"], at),
                   revision=current["revision"] + 1)  # fmt: skip
    return current


def apply_action(book: dict[str, Any], action: Action, experts: set[str]) -> dict[str, Any] | None:
    """Apply a lifecycle step; the alert if it changed, None if the step was applied before.
    Raises ActionRefused for an unknown alert, a step out of order or an unknown expert."""
    alerts: list[dict[str, Any]] = list(book["alerts"].values())
    current = next((alert for alert in alerts if alert["alert_id"] == action.alert_id), None)
    if current is None:
        raise ActionRefused(f"alert {action.alert_id} is not open (unknown, or closed before)")
    if any(step["action_id"] == action.action_id for step in current["steps"]):
        return None
    if action.step not in STEPS:
        raise ActionRefused(f"step {action.step!r} is none of {', '.join(STEPS)}")
    follows, leads_to = STEPS[action.step]
    if current["status"] not in follows:
        raise ActionRefused(
            f"alert {action.alert_id} is {current['status']}: {action.step} follows "
            f"{' or '.join(follows)}"
        )
    if action.step == "ASSIGN" and action.expert_id not in experts:
        raise ActionRefused(f"expert {action.expert_id!r} is not in the expert registry")
    current["steps"].append({
        "action_id": action.action_id, "step": action.step, "actor": action.actor,
        "at_ms": action.at_ms, "expert_id": action.expert_id, "note": action.note,
    })  # fmt: skip
    current.update(status=leads_to, revision=current["revision"] + 1,
                   updated_ms=max(current["updated_ms"], action.at_ms))  # fmt: skip
    if leads_to == "CLOSED":
        closed = book["closed_evidence"].setdefault(current["rule"], [])
        closed.extend(event for event in current["evidence"] if event not in closed)
    return current
