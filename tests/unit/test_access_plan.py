"""The principals and ACLs `injuryhub security init` puts on a cluster, checked as data."""

from __future__ import annotations

import pytest

from injuryhub.wiring import connector_routes
from streams.access.principals import Grant, Permission, access_plan
from streams.topics.catalogue import DEPARTMENTS, catalogue

PLAN = access_plan(catalogue(), connector_routes(), "injuryhub")


def _topics(principal: str, operation: str) -> set[str]:
    return {
        p.name
        for p in PLAN[principal]
        if p.resource == "TOPIC" and p.operation == operation and p.pattern == "LITERAL"
    }


def test_every_department_and_the_hub_have_a_principal() -> None:
    assert set(PLAN) == {f"dept-{d}" for d in DEPARTMENTS} | {"hub-worker", "hub-dashboard"}


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_a_department_writes_only_what_its_connectors_publish(department: str) -> None:
    written = _topics(f"dept-{department}", "WRITE")
    # The enterprise registry is kept by hrss (connectors/mappings/reference.enterprise.yaml).
    registry = {"hub.enterprises"} if department == "hrss" else set()
    events = written - {f"hub.dlq.{department}", "hub.connector-checkpoints"} - registry
    assert events and all(t.startswith(f"dept.{department}.") for t in events)
    assert registry <= written and len(events) + len(registry) + 2 == len(written)
    assert not any(p.pattern == "PREFIXED" for p in PLAN[f"dept-{department}"]
                   if p.resource == "TOPIC")  # fmt: skip


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_a_department_reads_exactly_what_the_catalogue_shares_with_it(department: str) -> None:
    shared = {spec.name for spec in catalogue() if department in spec.readers}
    assert _topics(f"dept-{department}", "READ") == shared | {"hub.connector-checkpoints"}
    assert "dept.health.injury-treatment.v1" not in shared or department == "health"


def test_connectors_get_their_transactional_ids_and_departments_their_groups() -> None:
    hrss = PLAN["dept-hrss"]
    assert Permission("dept-hrss", "TRANSACTIONAL_ID", "injuryhub-hrss.injury-recognition",
                      "LITERAL", "WRITE") in hrss  # fmt: skip
    assert Permission("dept-hrss", "GROUP", "hrss.", "PREFIXED", "READ") in hrss
    assert not any(p.resource == "CLUSTER" for perms in PLAN.values() for p in perms)


def test_the_dashboard_writes_only_alert_actions_its_audit_trail_and_governance_steps() -> None:
    writes = [p for p in PLAN["hub-dashboard"] if p.operation in ("WRITE", "ALL", "CREATE")]
    assert [(p.name, p.pattern) for p in writes] == [
        ("hub.alert-actions", "LITERAL"),
        ("hub.audit", "LITERAL"),
        ("hub.governance", "LITERAL"),
    ]


def test_a_topic_prefix_moves_every_topic_and_group() -> None:
    prefixed = access_plan(catalogue(), connector_routes(), "app", topic_prefix="t1.")
    for permissions in prefixed.values():
        for p in permissions:
            if p.resource in ("TOPIC", "GROUP") and not p.name.startswith("app"):
                assert p.name.startswith("t1."), p


def test_a_grant_in_force_adds_a_read_of_its_topic_and_nothing_else() -> None:
    grant = Grant("union", "dept.hrss.disability-appraisal.v1")
    granted = access_plan(catalogue(), connector_routes(), "injuryhub", "p.", [grant])
    base = access_plan(catalogue(), connector_routes(), "injuryhub", "p.")
    added = set(granted["dept-union"]) - set(base["dept-union"])
    topic = "p.dept.hrss.disability-appraisal.v1"
    assert added == {Permission("dept-union", "TOPIC", topic, "LITERAL", operation)
                     for operation in ("READ", "DESCRIBE")}  # fmt: skip
    assert {k: v for k, v in granted.items() if k != "dept-union"} == {
        k: v for k, v in base.items() if k != "dept-union"
    }
