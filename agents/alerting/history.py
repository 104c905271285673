"""What the hub remembers of one enterprise for its rules and risk score: JSON-able, kept in a
Faust table keyed by enterprise id. Each fact is keyed by what counts once (an accident's
identity shared by every department's report, a hazard's number, otherwise the event id), so
reading an event again changes nothing."""

from __future__ import annotations

from typing import Any

#: fact kinds; each maps identity -> {"at": occurred epoch ms, "events": [event ids], ...}
KINDS = ("accidents", "od", "exceedances", "hazards", "reports", "trained")
#: facts older than this before the newest are forgotten (the rules look back a year at most)
KEEP_MS = 2 * 366 * 24 * 3600 * 1000
YEAR_MS = 365 * 24 * 3600 * 1000


def empty_history() -> dict[str, Any]:
    return {**{kind: {} for kind in KINDS}, "newest": 0, "colour": "BLUE", "score": 0.0}


def remember(
    history: dict[str, Any], kind: str, identity: str, at_ms: int, event_id: str, **facts: Any
) -> bool:
    """Add (or update) one fact; True if anything changed."""
    known = history[kind].get(identity)
    events = list(known["events"]) if known else []
    if event_id not in events:
        events.append(event_id)
    fact = {"at": min(at_ms, known["at"]) if known else at_ms, "events": events, **facts}
    if known == fact:
        return False
    history[kind][identity] = fact
    history["newest"] = max(history["newest"], at_ms)
    _forget_old(history)
    return True


def _forget_old(history: dict[str, Any]) -> None:
    oldest = history["newest"] - KEEP_MS
    for kind in KINDS:
        stale = [key for key, fact in history[kind].items() if fact["at"] < oldest]
        for key in stale:
            del history[kind][key]


def within_year_of(history: dict[str, Any], kind: str, at_ms: int) -> list[dict[str, Any]]:
    """The facts of ``kind`` within 365 days either side of ``at_ms``, oldest first."""
    near = [f for f in history[kind].values() if abs(f["at"] - at_ms) <= YEAR_MS]
    return sorted(near, key=lambda fact: (fact["at"], fact["events"]))


def in_last_year(history: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The facts of ``kind`` in the 365 days up to the newest fact of any kind."""
    newest = history["newest"]
    return [f for f in history[kind].values() if newest - YEAR_MS < f["at"] <= newest]
