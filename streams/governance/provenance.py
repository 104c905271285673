"""The provenance log (as X-Road's message log): one entry per published event — its id, the
principal allowed to write its topic, topic, partition, offset and payload hash — each entry
holding the previous entry's hash, and seals (an HMAC over the chain's head) every so often.

Changing, removing or reordering an entry breaks the chain at that entry; rewriting the chain
from there on cannot forge the next seal without the key. ``verify`` names the first entry that
does not hold. Grants (hub.governance), reads and changes through the dashboard (hub.audit) and
alert lifecycle steps (hub.alert-actions) are events on their topics, so they are in it too.

Pure: entries and seals in and out as JSON-ready dicts; streams/governance/recorder.py keeps the
log on ``hub.provenance``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

GENESIS = "0" * 64
Kind = Literal["event", "governance", "dashboard-access", "alert-lifecycle"]
#: what an entry on each of these topics is about (every other topic: a published event)
KIND_OF_TOPIC: dict[str, Kind] = {
    "hub.governance": "governance",
    "hub.audit": "dashboard-access",
    "hub.alert-actions": "alert-lifecycle",
}


@dataclass(frozen=True)
class Entry:
    seq: int  # 1, 2, 3, … with no gap
    kind: Kind
    topic: str
    partition: int
    offset: int
    event_id: str  # "" for a message that is no event (undecodable bytes)
    event_type: str
    producer: str  # the envelope's producer (connector, agent, person)
    principal: str  # who the ACLs let write the topic (Kafka does not tell a reader who did)
    payload_sha256: str  # of the message's bytes as the broker holds them
    timestamp_ms: int  # the broker's timestamp of the message
    summary: str
    prev_hash: str
    hash: str = field(default="")

    def content_hash(self) -> str:
        content = {name: value for name, value in asdict(self).items() if name != "hash"}
        return _sha256(_canonical(content))


@dataclass(frozen=True)
class Seal:
    seq: int  # the last entry it covers
    head_hash: str  # that entry's hash
    sealed_at_ms: int
    mac: str  # HMAC-SHA256 of seq, head hash and time

    @staticmethod
    def over(entry: Entry, sealed_at_ms: int, key: bytes) -> Seal:
        return Seal(entry.seq, entry.hash, sealed_at_ms, _mac(key, entry.seq, entry.hash,
                                                             sealed_at_ms))  # fmt: skip

    def holds(self, key: bytes) -> bool:
        expected = _mac(key, self.seq, self.head_hash, self.sealed_at_ms)
        return hmac.compare_digest(expected, self.mac)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mac(key: bytes, seq: int, head_hash: str, sealed_at_ms: int) -> str:
    return hmac.new(key, f"{seq}|{head_hash}|{sealed_at_ms}".encode(), hashlib.sha256).hexdigest()


def chained(previous: Entry | None, **content: Any) -> Entry:
    """The entry after ``previous`` (None: the first) with ``content``, its hash computed."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    entry = Entry(seq=seq, prev_hash=prev_hash, **content)
    return Entry(**{**asdict(entry), "hash": entry.content_hash()})


def to_line(item: Entry | Seal) -> dict[str, Any]:
    return {"entry": asdict(item)} if isinstance(item, Entry) else {"seal": asdict(item)}


def from_line(line: dict[str, Any]) -> Entry | Seal:
    if "entry" in line:
        return Entry(**line["entry"])
    return Seal(**line["seal"])


@dataclass(frozen=True)
class Verdict:
    entries: int
    seals: int
    unsealed: int  # entries after the last seal
    problem: str | None = None  # the first entry or seal that does not hold, and why

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify(items: Iterable[Entry | Seal], key: bytes) -> Verdict:
    """Check the log item by item; stops at the first problem and names it."""
    previous: Entry | None = None
    hashes: dict[int, str] = {}
    entries = seals = last_sealed = 0
    positions: dict[tuple[str, int], int] = {}

    def verdict(problem: str | None = None) -> Verdict:
        return Verdict(entries, seals, entries - last_sealed, problem)

    for item in items:
        if isinstance(item, Seal):
            if not item.holds(key):
                return verdict(f"seal over entry {item.seq}: its HMAC does not match (altered, "
                               "or sealed with another key)")  # fmt: skip
            if hashes.get(item.seq) != item.head_hash:
                return verdict(f"seal over entry {item.seq}: the entry it sealed is not the one "
                               "in the log (the chain was rewritten up to it)")  # fmt: skip
            seals, last_sealed = seals + 1, item.seq
            continue
        where = f"entry {item.seq} ({item.topic}[{item.partition}]@{item.offset})"
        expected_seq = 1 if previous is None else previous.seq + 1
        if item.seq != expected_seq:
            how = "missing" if item.seq > expected_seq else "out of order"
            return verdict(f"{where}: expected entry {expected_seq} here; entries are {how}")
        if item.prev_hash != (GENESIS if previous is None else previous.hash):
            return verdict(f"{where}: entry {expected_seq - 1} before it was changed or "
                           "replaced (its hash is not the one this entry chained to)")  # fmt: skip
        if item.content_hash() != item.hash:
            return verdict(f"{where}: its content does not match its hash (altered)")
        last = positions.get((item.topic, item.partition))
        if last is not None and item.offset <= last:
            return verdict(f"{where}: offset not after {last}, recorded earlier for that "
                           "partition")  # fmt: skip
        positions[(item.topic, item.partition)] = item.offset
        hashes[item.seq] = item.hash
        previous, entries = item, entries + 1
    return verdict()
