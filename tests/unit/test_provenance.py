"""The provenance log's chain and seals: any altered, removed or reordered entry is named."""

from __future__ import annotations

from dataclasses import asdict, replace

from streams.governance.provenance import Entry, Seal, chained, from_line, to_line, verify

KEY = b"test-provenance-key"


def _log(count: int, seal_every: int = 4) -> list[Entry | Seal]:
    items: list[Entry | Seal] = []
    head: Entry | None = None
    for n in range(count):
        head = chained(head, kind="event", topic="dept.emergency.accident-report.v1",
                       partition=n % 2, offset=n // 2, event_id=f"e{n}",
                       event_type="emergency.accident-report", producer="connector:x",
                       principal="dept-emergency", payload_sha256=f"{n:064x}",
                       timestamp_ms=1_700_000_000_000 + n, summary="")  # fmt: skip
        items.append(head)
        if (n + 1) % seal_every == 0:
            items.append(Seal.over(head, 1_700_000_000_000 + n, KEY))
    return items


def _entry(items: list[Entry | Seal], seq: int) -> tuple[int, Entry]:
    """Where entry ``seq`` is in ``items``, and the entry."""
    for at, item in enumerate(items):
        if isinstance(item, Entry) and item.seq == seq:
            return at, item
    raise LookupError(seq)


def test_an_intact_log_verifies_and_counts_what_is_unsealed() -> None:
    verdict = verify(_log(10), KEY)
    assert verdict.intact and (verdict.entries, verdict.seals, verdict.unsealed) == (10, 2, 2)
    assert verify([from_line(to_line(item)) for item in _log(10)], KEY).intact


def test_an_altered_entry_is_named() -> None:
    items = _log(10)
    at, entry = _entry(items, 6)
    items[at] = replace(entry, payload_sha256="f" * 64)
    verdict = verify(items, KEY)
    assert not verdict.intact and verdict.entries == 5
    assert verdict.problem is not None
    assert verdict.problem.startswith("entry 6 (dept.emergency.accident-report.v1[1]@2)")
    assert "altered" in verdict.problem


def test_an_entry_altered_with_its_hash_recomputed_is_caught_at_the_next() -> None:
    items = _log(10)
    at, entry = _entry(items, 3)
    changed = replace(entry, event_id="forged")
    items[at] = Entry(**{**asdict(changed), "hash": changed.content_hash()})
    problem = verify(items, KEY).problem
    assert problem is not None and problem.startswith("entry 4 ") and "entry 3 before it" in problem


def test_a_rewritten_chain_breaks_the_seal_over_it() -> None:
    items = [item for item in _log(8) if isinstance(item, Entry)]
    seals = [item for item in _log(8) if isinstance(item, Seal)]
    forged: list[Entry | Seal] = []
    head: Entry | None = None
    for item in items:  # every entry rehashed from a changed first one
        content = {k: v for k, v in asdict(item).items() if k not in ("seq", "prev_hash", "hash")}
        head = chained(head, **(content | ({"event_id": "x"} if item.seq == 1 else {})))
        forged.append(head)
        if head.seq == 4:
            forged.append(seals[0])
    problem = verify(forged, KEY).problem
    assert problem is not None and problem.startswith("seal over entry 4")


def test_a_removed_or_reordered_entry_is_named() -> None:
    items = _log(10)
    removed = [item for item in items if not (isinstance(item, Entry) and item.seq == 5)]
    problem = verify(removed, KEY).problem
    assert problem is not None and problem.startswith("entry 6 ") and "missing" in problem
    swapped = list(items)
    (a, _), (b, _) = _entry(swapped, 2), _entry(swapped, 3)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    problem = verify(swapped, KEY).problem
    assert problem is not None and problem.startswith("entry 3 ") and "expected entry 2" in problem


def test_a_seal_with_another_key_does_not_hold() -> None:
    problem = verify(_log(4), b"another key").problem
    assert problem is not None and problem.startswith("seal over entry 4: its HMAC")
