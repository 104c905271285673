"""The code lists under ``schemas/codes/`` (districts, industries, accident types, …), loaded as
data so that another city or a revised standard is a file change, not a code change."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: dict[str, Code]

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def label(self, code: str) -> str:
        entry = self.codes[code]
        return f"{entry.zh} {entry.en}"


_INDUSTRY = re.compile(r"^(?P<section>[A-T])(?P<division>\d{2})(?P<detail>\d{1,2})?$")


@dataclass(frozen=True)
class KeyIndustry:
    code: str
    zh: str
    en: str
    divisions: frozenset[str]


@dataclass(frozen=True)
class Industries:
    """GB/T 4754-2017: section letter + two-digit division (+ optional group/class digits)."""

    division_section: dict[str, str]
    division_names: dict[str, str]
    key_industries: tuple[KeyIndustry, ...]

    def problem(self, code: str) -> str | None:
        """Why ``code`` is not a GB/T 4754-2017 industry code, or None if it is one."""
        match = _INDUSTRY.match(code)
        if match is None:
            return (
                "is not a GB/T 4754-2017 code (section letter A-T and division, e.g. C33 or C3311)"
            )
        division = match["division"]
        if division not in self.division_section:
            return f"has division {division}, which GB/T 4754-2017 does not define"
        if self.division_section[division] != match["section"]:
            return (
                f"puts division {division} ({self.division_names[division]}) in section "
                f"{match['section']}, but it belongs to section {self.division_section[division]}"
            )
        return None

    def key_industry(self, code: str) -> KeyIndustry | None:
        """Which of the training programme's six key industries ``code`` belongs to, if any."""
        match = _INDUSTRY.match(code)
        if match is None:
            return None
        return next((k for k in self.key_industries if match["division"] in k.divisions), None)


@dataclass(frozen=True)
class ExposureLimit:
    kind: str
    value: float
    unit: str


@dataclass(frozen=True)
class HazardFactor:
    code: str
    zh: str
    en: str
    od_category: str
    limits: tuple[ExposureLimit, ...]

    def limit(self, kind: str) -> ExposureLimit | None:
        return next((limit for limit in self.limits if limit.kind == kind), None)


@dataclass(frozen=True)
class AccidentGrade:
    code: str
    zh: str
    en: str
    rank: int
    min_deaths: int
    min_serious_injuries: int
    min_direct_loss_wan_cny: float


@dataclass(frozen=True)
class CodeLists:
    codes_dir: Path
    districts_file: Path

    @cached_property
    def districts(self) -> CodeList:
        return _code_list("districts", _read(self.districts_file))

    @cached_property
    def accident_types(self) -> CodeList:
        return _code_list("GB 6441 accident types", _read(self.codes_dir / "accident-types.json"))

    @cached_property
    def od_categories(self) -> CodeList:
        path = self.codes_dir / "occupational-disease-categories.json"
        return _code_list("occupational-disease categories", _read(path))

    @cached_property
    def risk_levels(self) -> CodeList:
        return _code_list("risk levels", _read(self.codes_dir / "risk-levels.json"))

    @cached_property
    def industries(self) -> Industries:
        data = _read(self.codes_dir / "industries.json")
        division_section: dict[str, str] = {}
        division_names: dict[str, str] = {}
        for section in data["sections"]:
            for division in section["divisions"]:
                division_section[division["code"]] = section["code"]
                division_names[division["code"]] = division["zh"]
        keys = tuple(
            KeyIndustry(k["code"], k["zh"], k["en"], frozenset(k["divisions"]))
            for k in data["key_industries"]
        )
        return Industries(division_section, division_names, keys)

    @cached_property
    def hazard_factors(self) -> dict[str, HazardFactor]:
        data = _read(self.codes_dir / "hazard-factors.json")
        return {
            entry["code"]: HazardFactor(
                entry["code"],
                entry["zh"],
                entry["en"],
                entry["od_category"],
                tuple(ExposureLimit(**limit) for limit in entry["limits"]),
            )
            for entry in data["codes"]
        }

    @cached_property
    def accident_grades(self) -> tuple[AccidentGrade, ...]:
        data = _read(self.codes_dir / "accident-grades.json")
        grades = (AccidentGrade(**entry) for entry in data["codes"])
        return tuple(sorted(grades, key=lambda grade: grade.rank))

    def accident_grade(self, deaths: int, serious_injuries: int, loss_wan_cny: float) -> str:
        """The grade the regulation gives: the highest that any one criterion reaches."""
        reached = [
            grade
            for grade in self.accident_grades
            if deaths >= grade.min_deaths
            or serious_injuries >= grade.min_serious_injuries
            or loss_wan_cny >= grade.min_direct_loss_wan_cny
        ]
        return max(reached, key=lambda grade: grade.rank).code


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FileNotFoundError(f"code list {path} does not exist") from error
    except json.JSONDecodeError as error:
        raise ValueError(f"code list {path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"code list {path} must hold a JSON object")
    return data


def _code_list(name: str, data: dict[str, Any]) -> CodeList:
    codes = {
        entry["code"]: Code(entry["code"], entry["zh"], entry["en"]) for entry in data["codes"]
    }
    return CodeList(name, codes)


def load_code_lists(schemas_dir: Path, districts_file: Path) -> CodeLists:
    codes_dir = schemas_dir / "codes"
    districts = districts_file if districts_file.is_absolute() else codes_dir / districts_file
    return CodeLists(codes_dir=codes_dir, districts_file=districts)
