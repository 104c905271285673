"""The expert registry (工伤预防专家库): who may be assigned to an alert, by industry speciality."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).with_name("experts.sample.json")


class ExpertRegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Expert:
    expert_id: str
    name: str
    specialities: tuple[str, ...]  # GB/T 4754 section letters or section+division codes

    def fits(self, industry: str) -> bool:
        return any(industry.startswith(speciality) for speciality in self.specialities)


def load_experts(path: Path | None = None) -> dict[str, Expert]:
    """The registry by expert id; ``None`` reads the sample."""
    source = path or SAMPLE
    try:
        entries = json.loads(source.read_text(encoding="utf-8"))["experts"]
        experts = [
            Expert(str(e["id"]), str(e["name"]), tuple(str(s) for s in e["specialities"]))
            for e in entries
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ExpertRegistryError(
            f"expert registry {source}: {error} (expected {{'experts': [{{'id', 'name', "
            "'specialities'}}]}})"
        ) from None
    by_id = {expert.expert_id: expert for expert in experts}
    if len(by_id) != len(experts):
        raise ExpertRegistryError(f"expert registry {source}: an expert id appears twice")
    return by_id


def experts_for(registry: dict[str, Expert], industry: str) -> list[Expert]:
    """Who fits ``industry``, the most specific speciality first."""

    def closeness(expert: Expert) -> tuple[int, str]:
        fit = max(len(s) for s in expert.specialities if industry.startswith(s))
        return (-fit, expert.expert_id)

    return sorted((e for e in registry.values() if e.fits(industry)), key=closeness)
