"""What a rule found: the input of the alert book (agents/alerting/book.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ENTERPRISE = "ENTERPRISE"
DISTRICT_INDUSTRY = "DISTRICT_INDUSTRY"
SEVERITY_RANK = {"BLUE": 1, "YELLOW": 2, "ORANGE": 3, "RED": 4}


@dataclass(frozen=True)
class Subject:
    kind: str  # ENTERPRISE | DISTRICT_INDUSTRY
    district: str
    industry: str
    enterprise_id: str | None = None

    @property
    def key(self) -> str:
        """What the alert book is partitioned by, and the middle of an alert id."""
        if self.kind == ENTERPRISE:
            return f"{self.enterprise_id}"
        return f"{self.district}|{self.industry}"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "district": self.district, "industry": self.industry,
                "enterprise_id": self.enterprise_id}  # fmt: skip

    @classmethod
    def from_json(cls, fields: dict[str, Any]) -> Subject:
        return cls(fields["kind"], fields["district"], fields["industry"], fields["enterprise_id"])


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: Subject
    severity: str  # BLUE | YELLOW | ORANGE | RED
    evidence: tuple[str, ...]  # event ids
    occurred: datetime  # the newest evidence's occurred time
    message_zh: str
    message_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "subject": self.subject.as_json(), "severity": self.severity,
            "evidence": list(self.evidence), "occurred_ms": to_ms(self.occurred),
            "message_zh": self.message_zh, "message_en": self.message_en,
        }  # fmt: skip

    @classmethod
    def from_json(cls, fields: dict[str, Any]) -> Finding:
        return cls(
            fields["rule"], Subject.from_json(fields["subject"]), fields["severity"],
            tuple(fields["evidence"]), from_ms(fields["occurred_ms"]),
            fields["message_zh"], fields["message_en"],
        )  # fmt: skip


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
