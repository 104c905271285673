"""The governance page's data, by role, from a fixed log and clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboards.auth import User
from dashboards.governance import GovernanceSource, governance_page
from streams.contracts.registry import load_registry
from streams.governance.calendar import CITY_ZONE, load_calendar
from streams.governance.catalogue import build_catalogue
from streams.governance.corrections import flag
from streams.governance.requests import GovernanceStep, submit
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue

SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
CALENDAR = load_calendar(SETTINGS.holidays_path)
ENTRIES = {e.topic: e for e in build_catalogue(catalogue(), REGISTRY)}
SUBMITTED = datetime(2026, 11, 27, 16, tzinfo=CITY_ZONE)  # a Friday


def _log() -> list[GovernanceStep]:
    appraisals = ENTRIES["dept.hrss.disability-appraisal.v1"]
    inspections = ENTRIES["dept.housing.site-inspection.v1"]
    accidents = ENTRIES["dept.emergency.accident-report.v1"]
    return [
        *submit(appraisals, "union", "li", "support", (), None, None, SUBMITTED, CALENDAR,
                request_id="R1"),
        *submit(inspections, "transport", "zhang", "joint work", (), None, None, SUBMITTED,
                CALENDAR, request_id="R2"),
        flag(accidents, "hrss", "wang", "e1", "deaths wrong", SUBMITTED, CALENDAR,
             [a.department for a in accidents.access], flag_id="C1"),
    ]  # fmt: skip


def _page(user: User, now: datetime) -> dict[str, Any]:
    source = GovernanceSource(_log, catalogue(), REGISTRY, CALENDAR)
    return governance_page(user, source, now)


def test_the_office_sees_every_matter_and_the_grant_among_the_readers() -> None:
    page = _page(User("chen", "analyst"), datetime(2026, 11, 30, 10, tzinfo=CITY_ZONE))
    assert [r["request_id"] for r in page["requests"]] == ["R1", "R2"]
    assert [g["request_id"] for g in page["grants"]] == ["R2"]
    assert [c["flag_id"] for c in page["corrections"]] == ["C1"]
    first = page["requests"][0]
    assert (first["status"], first["due_by"], first["deadline"]) == (
        "pending", "2026-12-04", "4 working day(s) left")  # fmt: skip
    assert (first["open"], first["days_left"], first["overdue"]) == (True, 4, False)
    inspections = next(
        e for e in page["catalogue"] if e["topic"] == "dept.housing.site-inspection.v1"
    )
    assert {"department": "transport", "basis": "grant R2", "until": None} in inspections["access"]


def test_a_department_sees_only_what_it_asked_for_or_must_answer() -> None:
    now = datetime(2026, 12, 7, 10, tzinfo=CITY_ZONE)  # the Monday after the deadline
    union = _page(User("li", "department", "union"), now)
    assert [r["request_id"] for r in union["requests"]] == ["R1"]
    late = union["requests"][0]
    assert late["overdue"] and late["days_left"] == -1 and "overdue by 1" in late["deadline"]
    assert union["grants"] == [] and union["corrections"] == []
    emergency = _page(User("zhao", "department", "emergency"), now)
    assert emergency["requests"] == [] and [c["flag_id"] for c in emergency["corrections"]] == [
        "C1"
    ]
    assert len(emergency["catalogue"]) == len(catalogue())  # the catalogue is for everyone
