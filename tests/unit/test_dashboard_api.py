"""The dashboard's JSON API in-process (Starlette's TestClient) on a small thematic database:
logins, tokens and roles are enforced, a department sees only views built on data shared with
it, the overview's figures are sums with recomputed rates and their 环比/同比, and lifecycle
steps are published as the acting user."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.thematic.sink import ThematicDatabase
from dashboards.api import Backing
from dashboards.auth import add_user, load_users
from dashboards.web import create_app
from injuryhub.dashboard_cli import subscription_file
from streams.audit import AuditEntry
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.support import insert_event

SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
CODES = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)
JULY = datetime(2025, 7, 1, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    database = ThematicDatabase(tmp_path / "thematic.duckdb", REGISTRY)
    put = functools.partial(insert_event, database)

    def cell(window: str, label: str, district: str, industry: str, **metrics: float) -> None:
        put("hub.aggregate", f"{window}|{label}|{district}|{industry}", JULY, window=window,
            district=district, industry=industry, enterprise_id=None, metrics=metrics)  # fmt: skip

    cell("MONTH", "2025-07", "370211", "C3311", recognised_injuries=6, insured=1_000, deaths=1)
    cell("MONTH", "2025-07", "370202", "E4710", recognised_injuries=2, insured=1_000)
    cell("MONTH", "2025-06", "370211", "C3311", recognised_injuries=4, insured=1_000)
    cell("MONTH", "2024-07", "370211", "C3311", recognised_injuries=10, insured=2_000)
    cell("YEAR", "2025", "370211", "C3311", recognised_injuries=10, insured=1_000)
    put("hub.alert", "rule/ent/1", JULY, alert_id="repeat-accidents/E1/1", district="370211",
        industry="C3311", severity="RED", status="OPEN", message_zh="多次事故",
        message_en="repeated accidents")  # fmt: skip
    users_file = tmp_path / "users.yaml"
    secrets = {name: add_user(users_file, name, role, dept) for name, role, dept in (
        ("analyst", "analyst", None), ("union", "department", "union"),
        ("health", "department", "health"), ("admin", "admin", None))}  # fmt: skip
    published: list[tuple[Any, ...]] = []

    def publish(*step: Any) -> str:
        published.append(step)
        return f"action-{len(published)}"

    subscriptions = tmp_path / "subscriptions.json"
    read, save = subscription_file(HubSettings(subscriptions_file=subscriptions))
    audited: list[AuditEntry] = []
    backing = Backing(database.connection.cursor, load_users(users_file), CODES,
                      {"RESPONSIBLE_LEADER": 10}, publish, audited.append, read, save)  # fmt: skip
    with TestClient(create_app(SETTINGS, backing)) as client:
        yield {"client": client, "secrets": secrets, "published": published,
               "subscriptions": subscriptions, "audited": audited}  # fmt: skip
    database.close()


def _login(world: dict[str, Any], name: str) -> TestClient:
    client: TestClient = world["client"]
    answer = client.post("/api/login", json={"name": name, "password": world["secrets"][name][0]})
    assert answer.status_code == 200, answer.text
    return client


def test_nothing_without_a_login_and_wrong_credentials_are_refused(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]

    assert client.get("/api/overview?period=2025-07").status_code == 401
    wrong = client.post("/api/login", json={"name": "analyst", "password": "guess"})
    assert wrong.status_code == 401 and "wrong name or password" in wrong.json()["detail"]
    bad_token = client.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad_token.status_code == 401
    token = world["secrets"]["union"][1]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"name": "union", "role": "department", "department": "union",
                  "acts_on_alerts": False}  # fmt: skip


def test_overview_sums_cells_recomputes_rates_and_compares(world: dict[str, Any]) -> None:
    client = _login(world, "analyst")

    figures = client.get("/api/overview?period=2025-07").json()["figures"]
    injuries = figures["recognised_injuries"]
    assert (injuries["value"], injuries["previous"], injuries["year_earlier"]) == (8, 4, 10)
    assert injuries["change_vs_previous"] == pytest.approx(1.0)
    assert injuries["change_vs_year_earlier"] == pytest.approx(-0.2)
    assert figures["injuries_per_1000_insured"]["value"] == pytest.approx(4.0)  # 8 / 2,000
    machinery = client.get("/api/overview?period=2025-07&industry=MACHINERY").json()
    assert machinery["figures"]["recognised_injuries"]["value"] == 6
    assert [d["code"] for d in machinery["by_district"]] == ["370211"]
    choices = client.get("/api/filters").json()
    assert (choices["years"], choices["default_period"]) == (["2025"], "2025")
    refused = client.get("/api/overview?period=2025-13")
    assert refused.status_code == 422 and "2025-Q3" in refused.json()["detail"]


def test_a_department_sees_only_views_built_on_data_shared_with_it(world: dict[str, Any]) -> None:
    union = _login(world, "union")

    assert union.get("/api/risk/alerts?period=2025-07").status_code == 200  # the hub's: shared
    refused = union.get("/api/evaluation")
    assert refused.status_code == 403
    assert "health.injury-treatment" in refused.json()["detail"]
    assert union.get("/api/model-units?year=2025").status_code == 200  # all shared with 工会
    union.post("/api/logout")
    health = _login(world, "health")
    refused = health.get("/api/model-units?year=2025")
    assert refused.status_code == 403 and "emergency.hazard-inspection" in refused.text


def test_only_analysts_act_on_alerts_and_the_step_names_who(world: dict[str, Any]) -> None:
    alert = "repeat-accidents/E1/1"
    health = _login(world, "health")
    assert (
        health.post(f"/api/alerts/{alert}/actions", json={"step": "ACKNOWLEDGE"}).status_code == 403
    )
    health.post("/api/logout")

    analyst = _login(world, "analyst")
    step = {"step": "ASSIGN", "expert_id": "EXP-01", "note": "现场核查"}
    sent = analyst.post(f"/api/alerts/{alert}/actions", json=step)
    assert sent.status_code == 200 and sent.json()["event_id"] == "action-1"
    assert world["published"] == [(alert, "ASSIGN", "analyst", "EXP-01", "现场核查")]
    assert analyst.post(f"/api/alerts/{alert}/actions", json={"step": "DANCE"}).status_code == 422
    listed = analyst.get("/api/risk/alerts?period=2025-07").json()
    assert [a["alert_id"] for a in listed] == [alert]


def test_only_an_admin_manages_subscriptions_and_a_bad_file_is_refused(
    world: dict[str, Any],
) -> None:
    analyst = _login(world, "analyst")
    assert analyst.get("/api/subscriptions").status_code == 403
    analyst.post("/api/logout")

    admin = _login(world, "admin")
    assert admin.get("/api/subscriptions").json() == {"text": '{"subscriptions": []}'}
    bad = '{"subscriptions": [{"name": "Duty Desk", "delivery": {"kind": "fax"}}]}'
    refused = admin.put("/api/subscriptions", json={"text": bad})
    assert refused.status_code == 422 and "subscriptions.0" in refused.json()["detail"]
    assert not world["subscriptions"].exists()
    good = '{"subscriptions": [{"name": "duty-desk", "delivery": {"kind": "topic"}}]}'
    assert admin.put("/api/subscriptions", json={"text": good}).status_code == 200
    assert world["subscriptions"].read_text(encoding="utf-8") == good


def test_every_request_is_audited_with_who_what_and_the_answer(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    audited: list[AuditEntry] = world["audited"]
    password = world["secrets"]["union"][0]
    client.post("/api/login", json={"name": "union", "password": "not-it"})
    _login(world, "union")
    client.get("/api/overview", params={"period": "2025-Q3"})
    client.get("/api/evaluation", params={"year": 2025})  # not shared with the union: 403
    client.post("/api/alerts/a%2Fb%2F1/actions", json={"step": "ACKNOWLEDGE"})  # may not act
    client.post("/api/logout")
    token = world["secrets"]["analyst"][1]
    client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/me", headers={"Authorization": "Bearer forged"})
    seen = [(e.actor, e.credential, e.kind, e.path, e.status) for e in audited]
    assert seen == [
        ("union", "PASSWORD", "LOGIN", "/api/login", 401),
        ("union", "PASSWORD", "LOGIN", "/api/login", 200),
        ("union", "SESSION", "READ", "/api/overview", 200),
        ("union", "SESSION", "READ", "/api/evaluation", 403),
        ("union", "SESSION", "CHANGE", "/api/alerts/a/b/1/actions", 403),
        ("union", "NONE", "LOGOUT", "/api/logout", 200),
        ("analyst", "TOKEN", "READ", "/api/me", 200),
        ("", "TOKEN", "READ", "/api/me", 401),
    ]
    assert audited[2].query == "period=2025-Q3" and audited[2].department == "union"
    assert all(password not in repr(e) and token not in repr(e) for e in audited)
