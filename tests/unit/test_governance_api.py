"""The governance page's API in-process on an in-memory log: who may ask, answer, flag and
revoke, and what each is refused with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dashboards.api import Backing
from dashboards.auth import add_user, load_users
from dashboards.governance import GovernanceSource
from dashboards.web import create_app
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.governance.calendar import load_calendar
from streams.governance.requests import GovernanceStep
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue

SETTINGS = HubSettings()
APPRAISALS = "dept.hrss.disability-appraisal.v1"
ACCIDENTS = "dept.emergency.accident-report.v1"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    users_file = tmp_path / "users.yaml"
    secrets = {name: add_user(users_file, name, role, dept) for name, role, dept in (
        ("li", "department", "union"), ("wang", "department", "hrss"),
        ("zhao", "department", "emergency"), ("chen", "analyst", None),
        ("office", "admin", None))}  # fmt: skip
    log: list[GovernanceStep] = []
    source = GovernanceSource(lambda: list(log), catalogue(), load_registry(SETTINGS.schemas_path),
                              load_calendar(SETTINGS.holidays_path), append=log.extend)  # fmt: skip
    backing = Backing(None, load_users(users_file),
                      load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file), {},
                      lambda *step: "", lambda entry: None, governance=source)  # fmt: skip
    with TestClient(create_app(SETTINGS, backing)) as client:
        yield {"client": client, "secrets": secrets, "log": log}


def _as(world: dict[str, Any], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world['secrets'][name][1]}"}


def _post(world: dict[str, Any], name: str, path: str, body: dict[str, Any]) -> Any:
    return world["client"].post(f"/api/governance/{path}", json=body, headers=_as(world, name))


def test_a_department_asks_its_owner_answers_and_the_page_shows_it(world: dict[str, Any]) -> None:
    asked = _post(world, "li", "requests", {"topic": APPRAISALS, "purpose": "帮扶伤残职工"})
    assert asked.status_code == 200, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["steps"] == ["SUBMITTED"]
    assert world["log"][0].requester == "union" and world["log"][0].actor == "li"
    wrong = _post(world, "zhao", f"requests/{request_id}/answer", {"approve": True})
    assert wrong.status_code == 422 and "only hrss" in wrong.json()["detail"]
    no_reason = _post(world, "wang", f"requests/{request_id}/answer", {"approve": False})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    granted = _post(world, "wang", f"requests/{request_id}/answer", {"approve": True})
    assert granted.json()["steps"] == ["GRANTED"]
    page = world["client"].get("/api/governance", headers=_as(world, "li")).json()
    assert [(r["request_id"], r["status"]) for r in page["requests"]] == [(request_id, "granted")]
    assert page["grants"][0]["department"] == "union"


def test_the_office_does_not_ask_or_answer_but_may_revoke(world: dict[str, Any]) -> None:
    refused = _post(world, "chen", "requests", {"topic": APPRAISALS, "purpose": "x"})
    assert refused.status_code == 403
    request_id = _post(world, "li", "requests", {"topic": APPRAISALS, "purpose": "帮扶"}).json()[
        "id"
    ]
    _post(world, "wang", f"requests/{request_id}/answer", {"approve": True})
    by_analyst = _post(world, "chen", f"requests/{request_id}/revoke", {"reason": "ended"})
    assert by_analyst.status_code == 403
    revoked = _post(world, "office", f"requests/{request_id}/revoke", {"reason": "帮扶结束"})
    assert revoked.status_code == 200 and revoked.json()["steps"] == ["REVOKED"]
    assert world["log"][-1].actor == "office"


def test_refusals_are_named_and_nothing_is_written_for_them(world: dict[str, Any]) -> None:
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("li", "requests", {"topic": "dept.health.health-examination.v1", "purpose": "x"}, 422,
         "不予共享"),
        ("li", "requests", {"topic": "dept.nowhere.v1", "purpose": "x"}, 422,
         "not in the catalogue"),
        ("li", "requests/R0/answer", {"approve": True}, 404, "no request R0"),
        ("li", "corrections", {"topic": APPRAISALS, "event_id": "e1", "reason": "x"}, 422,
         "does not read"),
    ]  # fmt: skip
    for name, path, body, status, why in cases:
        answered = _post(world, name, path, body)
        assert answered.status_code == status and why in answered.json()["detail"], answered.text
    assert world["log"] == []
    anonymous = world["client"].post("/api/governance/requests", json={"topic": APPRAISALS,
                                                                     "purpose": "x"})  # fmt: skip
    assert anonymous.status_code == 401


def test_a_reader_flags_and_the_owner_confirms(world: dict[str, Any]) -> None:
    flagged = _post(world, "wang", "corrections",
                    {"topic": ACCIDENTS, "event_id": "e1", "reason": "死亡人数有误"})  # fmt: skip
    assert flagged.status_code == 200, flagged.text
    flag_id = flagged.json()["id"]
    assert _post(world, "li", f"corrections/{flag_id}/answer", {"approve": True}).status_code == 422
    confirmed = _post(world, "zhao", f"corrections/{flag_id}/answer", {"approve": True})
    assert confirmed.json()["steps"] == ["CONFIRMED"]
    page = world["client"].get("/api/governance", headers=_as(world, "zhao")).json()
    assert page["corrections"][0]["status"] == "confirmed"
