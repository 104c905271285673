"""Every threshold of the alerting agents in one place, and overriding them by name from the
settings (``INJURYHUB_ALERT_THRESHOLDS``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from agents.alerting.aberration import AberrationThresholds
from agents.alerting.risk import RiskWeights
from agents.alerting.rules import RuleThresholds


@dataclass(frozen=True)
class AlertLimits:
    rules: RuleThresholds = field(default_factory=RuleThresholds)
    aberration: AberrationThresholds = field(default_factory=AberrationThresholds)
    risk: RiskWeights = field(default_factory=RiskWeights)


def alert_limits(overrides: dict[str, float]) -> AlertLimits:
    """The defaults with ``overrides`` applied; an unknown name is a ValueError naming the
    setting and every name it could have meant."""
    limits = AlertLimits()
    parts: dict[str, Any] = {"rules": limits.rules, "aberration": limits.aberration,
                             "risk": limits.risk}  # fmt: skip
    known = {f.name: part for part, value in parts.items() for f in fields(value)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(
            f"INJURYHUB_ALERT_THRESHOLDS names unknown threshold(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    for name, value in overrides.items():
        part = known[name]
        kind = type(getattr(parts[part], name))
        parts[part] = replace(parts[part], **{name: kind(value)})
    return AlertLimits(**parts)
