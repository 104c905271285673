"""Rejected records as ``hub.dead-letter`` events: where the record was, why it was refused, and
the record itself with resident ID numbers masked (they must not leave the connector)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connectors.sources.base import SourceRecord
from streams.contracts.envelope import build_event
from streams.contracts.identifiers import mask_resident_ids

DEAD_LETTER_TYPE = "hub.dead-letter"


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
