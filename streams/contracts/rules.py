"""The rules beyond types: code lists, check characters, time order and cross-field consistency.

Each problem names the field, the value and the rule, in words a clerk can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.contracts.codes import CodeLists
from streams.contracts.identifiers import uscc_problem
from streams.contracts.registry import EventSchema

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_LEGAL_BASIS = re.compile(r"^art(?P<article>14|15|16)\.(?P<item>[1-7])$")
_ITEMS_PER_ARTICLE = {"14": 7, "15": 3, "16": 3}
#: 《工伤保险条例》: art. 14 is 认定为工伤, art. 15 视同工伤, art. 16 不得认定.
_DECISION_FOR_ARTICLE = {"14": "RECOGNISED", "15": "DEEMED", "16": "NOT_RECOGNISED"}


_SHOWN_CHARS = 60


def shown(value: Any) -> str:
    """A value as quoted in a reason: its repr, cut short so that a 100,000-character cell does
    not become a 100,000-character reason."""
    text = repr(value)
    if len(text) <= _SHOWN_CHARS:
        return text
    return f"{text[:_SHOWN_CHARS]}… ({len(str(value)):,} characters)"


@dataclass(frozen=True)
class Problem:
    field: str
    value: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}={self.value}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class _Checked:
    """A field that has a rule, or holds a record whose fields have: the only fields a record's
    check looks at (most fields have no rule beyond their type)."""

    name: str
    path: str
    rule: str | None
    inner: tuple[_Checked, ...]


def _checked_fields(definition: dict[str, Any], prefix: str = "") -> tuple[_Checked, ...]:
    found = []
    for field in definition["fields"]:
        path = f"{prefix}{field['name']}"
        nested = field["type"]
        inner: tuple[_Checked, ...] = ()
        if isinstance(nested, dict) and nested.get("type") == "record":
            inner = _checked_fields(nested, f"{path}.")
        rule = field.get("injuryhub.rule")
        if rule is not None or inner:
            found.append(_Checked(field["name"], path, rule, inner))
    return tuple(found)


@dataclass(frozen=True)
class _Plan:
    fields: tuple[_Checked, ...]
    #: (field, envelope time it may not precede) of the fields with a time-order rule
    bounds: tuple[tuple[str, str], ...]


_BOUNDS = {"after_reported": "reported_at", "after_occurred": "occurred_at"}


class Rules:
    def __init__(self, codes: CodeLists, now: Callable[[], datetime]) -> None:
        self.codes = codes
        self.now = now
        self._plans: dict[EventSchema, _Plan] = {}

    def check(self, schema: EventSchema, record: dict[str, Any]) -> list[Problem]:
        plan = self._plans.get(schema)
        if plan is None:
            fields = schema.definition["fields"]
            bounds = tuple((field["name"], _BOUNDS[rule]) for field in fields
                           if (rule := field.get("injuryhub.rule")) in _BOUNDS)  # fmt: skip
            plan = self._plans[schema] = _Plan(_checked_fields(schema.definition), bounds)
        problems = list(self._field_rules(plan.fields, record))
        problems += self._time_order(plan, record)
        problems += self._cross_field(record)
        return problems

    def _field_rules(
        self, fields: tuple[_Checked, ...], record: dict[str, Any]
    ) -> Iterator[Problem]:
        for field in fields:
            value = record.get(field.name)
            if value is None:
                continue
            if field.inner:
                yield from self._field_rules(field.inner, value)
            if field.rule is None:
                continue
            message = self._field_problem(field.rule, value, record)
            if message is not None:
                yield Problem(field.path, shown(value), field.rule, message)

    def _field_problem(self, rule: str, value: Any, record: dict[str, Any]) -> str | None:
        codes = self.codes
        match rule:
            case "uscc":
                problem = uscc_problem(value)
                return None if problem is None else f"USCC {problem}"
            case "district":
                return None if value in codes.districts else "is not a district of this city"
            case "industry":
                return codes.industries.problem(value)
            case "accident_type":
                known = value in codes.accident_types
                return None if known else "is not a GB 6441-86 accident type (01-20)"
            case "od_category":
                known = value in codes.od_categories
                return None if known else "is not an occupational-disease category (01-10)"
            case "hazard_factor":
                known = value in codes.hazard_factors
                return None if known else "is not a hazard factor in schemas/codes"
            case "limit_kind" | "limit_unit":
                return self._limit_problem(rule, value, record)
            case "legal_basis":
                return _legal_basis_problem(value)
            case "pseudonym" | "sha256":
                return None if _HEX64.match(value) else "must be 64 lowercase hex digits"
            case "after_reported" | "after_occurred":
                return None  # checked with the envelope in _time_order
            case "ends_after_start":
                starts = record.get("starts_on")
                return (
                    None if starts is None or value >= starts else f"is before starts_on {starts}"
                )
            case "accident_grade":
                return self._grade_problem(value, record)
            case "victims":
                hurt = record["deaths"] + record["serious_injuries"] + record["minor_injuries"]
                if value >= hurt:
                    return None
                return (
                    f"is fewer than the {hurt} people killed or injured "
                    f"({record['deaths']} deaths, {record['serious_injuries']} serious, "
                    f"{record['minor_injuries']} minor)"
                )
        return f"unknown rule {rule!r} in the schema"

    def _limit_problem(self, rule: str, value: str, record: dict[str, Any]) -> str | None:
        factor = self.codes.hazard_factors.get(record.get("hazard_factor", ""))
        if factor is None:
            return None  # the factor itself is reported
        limit = factor.limit(record.get("limit_kind", ""))
        if rule == "limit_kind":
            kinds = ", ".join(limit.kind for limit in factor.limits)
            return None if limit else f"{factor.code} has no {value} limit; it has {kinds}"
        if limit is not None and limit.unit != value:
            return f"{factor.code} {limit.kind} is measured in {limit.unit}"
        return None

    def _grade_problem(self, grade: str, record: dict[str, Any]) -> str | None:
        expected = self.codes.accident_grade(
            record["deaths"], record["serious_injuries"], record["direct_loss_wan_cny"]
        )
        if grade == expected:
            return None
        return (
            f"disagrees with {record['deaths']} deaths, {record['serious_injuries']} serious "
            f"injuries and {record['direct_loss_wan_cny']} 万元 loss, which make it {expected}"
        )

    def _time_order(self, plan: _Plan, record: dict[str, Any]) -> Iterator[Problem]:
        envelope = record["envelope"]
        occurred, reported = envelope["occurred_at"], envelope["reported_at"]
        now = self.now()
        for name, moment in (("occurred_at", occurred), ("reported_at", reported)):
            if moment > now:
                yield Problem(
                    f"envelope.{name}", moment.isoformat(), "not-future", "is in the future"
                )
        if occurred > reported:
            yield Problem(
                "envelope.reported_at",
                reported.isoformat(),
                "time-order",
                f"is before occurred_at {occurred.isoformat()}",
            )
        for name, bound in plan.bounds:
            later, earliest = record.get(name), envelope[bound]
            if later is not None and later < earliest:
                yield Problem(
                    name,
                    later.isoformat(),
                    "time-order",
                    f"is before {bound} {earliest.isoformat()}",
                )

    def _cross_field(self, record: dict[str, Any]) -> Iterator[Problem]:
        if "insured_headcount" in record and record["insured_headcount"] > record["headcount"]:
            yield Problem(
                "insured_headcount",
                str(record["insured_headcount"]),
                "insured<=headcount",
                f"exceeds the headcount {record['headcount']}",
            )
        decision = record.get("decision")
        if decision is not None:
            yield from _decision_problems(record)


def _legal_basis_problem(value: str) -> str | None:
    match = _LEGAL_BASIS.match(value)
    if match is None or int(match["item"]) > _ITEMS_PER_ARTICLE[match["article"]]:
        return (
            "is not an item of 《工伤保险条例》 art. 14 (1-7), 15 (1-3) or 16 (1-3), "
            "written like art14.1"
        )
    return None


def _decision_problems(record: dict[str, Any]) -> Iterator[Problem]:
    decision, basis = record["decision"], record.get("legal_basis")
    if decision == "PENDING":
        if record.get("decided_at") is not None:
            decided = record["decided_at"].isoformat()
            yield Problem("decided_at", decided, "pending", "set while PENDING")
        return
    if basis is None or record.get("decided_at") is None:
        yield Problem(
            "legal_basis" if basis is None else "decided_at",
            "None",
            "decision-complete",
            f"is required once the decision is {decision}",
        )
        return
    match = _LEGAL_BASIS.match(basis)
    if match is None or _legal_basis_problem(basis) is not None:
        return  # reported by the legal_basis field rule
    if _DECISION_FOR_ARTICLE[match["article"]] != decision:
        yield Problem(
            "legal_basis",
            repr(basis),
            "basis-fits-decision",
            f"article {match['article']} leads to {_DECISION_FOR_ARTICLE[match['article']]}, "
            f"not {decision}",
        )
