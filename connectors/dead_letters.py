"""Rejected records as ``hub.dead-letter`` events: where the record was, why it was refused, and
the record itself with resident ID numbers masked (they must not leave the connector)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from connectors.sources.base import SourceRecord
from streams.contracts.envelope import build_event

DEAD_LETTER_TYPE = "hub.dead-letter"
MASK = "[身份证号已遮蔽 ID masked]"
# 18-digit IDs (last may be X) and old 15-digit ones, not inside a longer run of digits.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_resident_ids(text: str) -> str:
    return _RESIDENT_ID.sub(MASK, text)


def dead_letter(
    connector: str,
    department: str,
    source_system: str,
    record: SourceRecord,
    reasons: list[str],
    now: Callable[[], datetime],
    version: int,
) -> dict[str, Any]:
    rejected_at = now()
    payload = {
        "connector": connector,
        "source": record.source,
        "position": record.position,
        "raw_record": mask_resident_ids(record.raw),
        "reasons": [mask_resident_ids(reason) for reason in reasons],
        "rejected_at": rejected_at,
    }
    return build_event(
        DEAD_LETTER_TYPE,
        version,
        department,
        source_system,
        record.position,
        f"{connector}\x1f{record.source}\x1f{record.sequence}",
        rejected_at,
        rejected_at,
        f"connector:{connector}",
        payload,
    )
