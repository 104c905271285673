"""Data corrections (校核纠错): who may flag and answer, the deadline, and the corrected record."""

from __future__ import annotations

from datetime import datetime

import pytest

from streams.contracts.envelope import payload_sha256
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode, encode
from streams.governance.calendar import CITY_ZONE, load_calendar
from streams.governance.catalogue import build_catalogue
from streams.governance.corrections import (
    answer,
    corrected,
    corrected_record,
    due_correction_steps,
    flag,
    fold_corrections,
    parse_value,
)
from streams.governance.requests import GovernanceStep, RequestRefused
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue
from tests.examples import example_record

SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
CALENDAR = load_calendar(SETTINGS.holidays_path)
ACCIDENTS = next(e for e in build_catalogue(catalogue(), REGISTRY)
                 if e.topic == "dept.emergency.accident-report.v1")  # fmt: skip
READERS = [a.department for a in ACCIDENTS.access]
SCHEMA = REGISTRY.latest("emergency.accident-report")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CITY_ZONE)


def flagged(now: datetime) -> list[GovernanceStep]:
    return [flag(ACCIDENTS, "hrss", "wang", "e1", "工伤认定显示死亡1人 recognition shows a death",
                 now, CALENDAR, READERS, flag_id="C1")]  # fmt: skip


def test_a_reader_flags_with_a_reason_and_the_owner_alone_answers() -> None:
    now = at("2026-11-30 10:00")
    with pytest.raises(RequestRefused, match="owns"):
        flag(ACCIDENTS, "emergency", "li", "e1", "x", now, CALENDAR, READERS)
    with pytest.raises(RequestRefused, match="does not read"):
        flag(ACCIDENTS, "finance", "li", "e1", "x", now, CALENDAR, READERS)
    with pytest.raises(RequestRefused, match="reason"):
        flag(ACCIDENTS, "hrss", "li", "e1", "  ", now, CALENDAR, READERS)
    steps = flagged(now)
    state = fold_corrections(steps)["C1"]
    assert (state.status, state.owner, state.event_id) == ("pending", "emergency", "e1")
    with pytest.raises(RequestRefused, match="only emergency"):
        answer(state, True, "wang", "hrss", "", now)
    with pytest.raises(RequestRefused, match="reason"):
        answer(state, False, "zhao", "emergency", "", now)
    with pytest.raises(RequestRefused, match="not confirmed"):
        corrected(state, "zhao", "emergency", "t[0]@1", now)
    steps.append(answer(state, True, "zhao", "emergency", "核实: 医院确认", now))
    state = fold_corrections(steps)["C1"]
    assert state.status == "confirmed" and state.open
    steps.append(corrected(state, "zhao", "emergency", "t[0]@9", now))
    state = fold_corrections(steps)["C1"]
    assert (state.status, state.correction, state.open) == ("corrected", "t[0]@9", False)


def test_an_open_flag_is_reminded_then_escalated_over_a_weekend_and_stops_once_corrected() -> None:
    steps = flagged(at("2026-11-27 16:00"))  # Friday: five working days end Friday 4 December
    state = fold_corrections(steps)["C1"]
    assert state.due_at == at("2026-12-05 00:00")
    assert due_correction_steps([state], at("2026-12-04 23:00"), CALENDAR) == []
    steps += due_correction_steps([state], at("2026-12-07 09:00"), CALENDAR)  # Monday: 1 late
    assert [s.step for s in steps[1:]] == ["REMINDED"]
    steps.append(answer(fold_corrections(steps)["C1"], True, "zhao", "emergency", "", at(
        "2026-12-07 10:00")))  # fmt: skip
    escalated = due_correction_steps([fold_corrections(steps)["C1"]], at("2026-12-08 09:00"),
                                     CALENDAR)  # fmt: skip
    assert [s.step for s in escalated] == ["ESCALATED"]  # confirmed, still not corrected
    steps += escalated
    steps.append(corrected(fold_corrections(steps)["C1"], "zhao", "emergency", "t", at(
        "2026-12-08 10:00")))  # fmt: skip
    assert due_correction_steps([fold_corrections(steps)["C1"]], at("2026-12-20 09:00"),
                                CALENDAR) == []  # fmt: skip


def test_the_corrected_record_keeps_its_id_and_decodes_with_the_new_figures() -> None:
    original = example_record(SCHEMA)
    original["deaths"], original["serious_injuries"] = 0, 2
    now = at("2026-12-01 09:00")
    fixed = corrected_record(original, {"deaths": 1}, SCHEMA.definition, "zhao", "C1", now)
    _, decoded = decode(REGISTRY, encode(SCHEMA, fixed))
    assert decoded["envelope"]["event_id"] == original["envelope"]["event_id"]
    assert (decoded["deaths"], decoded["serious_injuries"]) == (1, 2)
    provenance = {"producer": "person:zhao", "payload_sha256": payload_sha256(fixed)}
    assert decoded["envelope"]["provenance"] == provenance
    assert decoded["envelope"]["source_position"].startswith("correction C1 of ")
    assert original["deaths"] == 0  # the original is left as it was


def test_a_correction_that_would_move_the_record_or_break_a_range_is_refused() -> None:
    original = example_record(SCHEMA)
    now = at("2026-12-01 09:00")
    refusals: list[tuple[dict[str, object], str]] = [
        ({"enterprise_id": "91350100M000100Y43"}, "places or names"),
        ({"accident_type": "19"}, "places or names"),
        ({"salary": 1}, "no field 'salary'"),
        ({}, "at least one field"),
    ]
    for change, why in refusals:
        with pytest.raises(RequestRefused, match=why):
            corrected_record(original, change, SCHEMA.definition, "zhao", "C1", now)
    ranged = next(f for f in SCHEMA.definition["fields"] if f.get("injuryhub.range"))
    too_big = ranged["injuryhub.range"][1] + 1
    with pytest.raises(RequestRefused, match="outside"):
        corrected_record(original, {ranged["name"]: too_big}, SCHEMA.definition, "z", "C1", now)


def test_command_line_values_take_the_field_type() -> None:
    assert parse_value("1", "int") == 1
    assert parse_value("12.5", ["null", "double"]) == 12.5
    assert parse_value("0101", "string") == "0101"
    assert parse_value("null", ["null", "string"]) is None
    assert parse_value("较大事故", "string") == "较大事故"
