"""Validate a record against its event schema: types first (pydantic, derived from the .avsc),
then the rules (code lists, check characters, time order, cross-field consistency)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from streams.contracts.codes import CodeLists
from streams.contracts.models import model_for
from streams.contracts.registry import EventSchema
from streams.contracts.rules import Problem, Rules, shown


@dataclass(frozen=True)
class Verdict:
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(problem) for problem in self.problems]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EventValidator:
    def __init__(self, codes: CodeLists, now: Callable[[], datetime] = _utc_now) -> None:
        self.rules = Rules(codes, now)

    def validate(self, schema: EventSchema, record: dict[str, Any]) -> Verdict:
        try:
            model_for(schema).model_validate(record)
        except ValidationError as error:
            return Verdict(tuple(_type_problem(detail) for detail in error.errors()))
        return Verdict(tuple(self.rules.check(schema, record)))


def _type_problem(detail: Any) -> Problem:
    path = ".".join(str(part) for part in detail["loc"] if not str(part).startswith("function-"))
    if detail["type"] == "missing":
        return Problem(path, "missing", "missing", detail["msg"])
    if detail.get("input") is None:  # an empty cell where the contract needs a value
        return Problem(path, "empty", "required", "is required")
    return Problem(path, shown(detail["input"]), detail["type"], detail["msg"])
