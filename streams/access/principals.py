"""Who may do what on the brokers: one Kafka principal per department and per hub role, and the
ACLs each needs, derived from the topic catalogue and the connector mappings.

A department's principal writes only the topics its own connectors publish (and its dead
letters), and reads only the topics the catalogue shares with it. The plan is plain data, so it
can be checked without a broker; `streams/access/apply.py` puts it on one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from streams.topics.catalogue import DEPARTMENTS, TopicSpec, dlq_topic

Resource = Literal["TOPIC", "GROUP", "TRANSACTIONAL_ID", "CLUSTER"]
Pattern = Literal["LITERAL", "PREFIXED"]
Operation = Literal["READ", "WRITE", "DESCRIBE", "CREATE", "ALL", "IDEMPOTENT_WRITE"]

#: The hub's own principals (the broker's and the administrator's are super users, see
#: streams/broker/sasl.py).
HUB_WORKER = "hub-worker"
HUB_DASHBOARD = "hub-dashboard"
CHECKPOINTS = "hub.connector-checkpoints"
ALERT_ACTIONS = "hub.alert-actions"
AUDIT = "hub.audit"
GOVERNANCE = "hub.governance"


def department_principal(department: str) -> str:
    return f"dept-{department}"


@dataclass(frozen=True, order=True)
class Permission:
    """One ALLOW ACL: ``principal`` may ``operation`` on the named resource(s)."""

    principal: str
    resource: Resource
    name: str
    pattern: Pattern
    operation: Operation


@dataclass(frozen=True)
class ConnectorRoute:
    """A connector (mapping) of a department and the topic it publishes to."""

    department: str
    connector: str
    topic: str


def transactional_id(connector: str, topic_prefix: str = "") -> str:
    """The transactional id a connector's producer uses (injuryhub/wiring.py)."""
    return f"injuryhub-{topic_prefix}{connector}"


def consumer_group_prefix(department: str) -> str:
    """Consumer groups a department may use: ``<dept>.<anything>``."""
    return f"{department}."


def _grant(
    principal: str,
    resource: Resource,
    name: str,
    operations: Iterable[Operation],
    pattern: Pattern = "LITERAL",
) -> list[Permission]:
    return [Permission(principal, resource, name, pattern, op) for op in operations]


def department_permissions(
    department: str,
    catalogue: Iterable[TopicSpec],
    routes: Iterable[ConnectorRoute],
    topic_prefix: str = "",
) -> list[Permission]:
    user = department_principal(department)
    found: list[Permission] = []
    for route in routes:
        if route.department != department:
            continue
        found += _grant(user, "TOPIC", topic_prefix + route.topic, ("WRITE", "DESCRIBE"))
        txn = transactional_id(route.connector, topic_prefix)
        found += _grant(user, "TRANSACTIONAL_ID", txn, ("WRITE", "DESCRIBE"))
    found += _grant(user, "TOPIC", topic_prefix + dlq_topic(department), ("WRITE", "DESCRIBE"))
    # Connectors resume from their checkpoints. One shared compacted topic keyed by connector:
    # Kafka ACLs cannot narrow it to a department's keys (noted in docs/security.md).
    found += _grant(user, "TOPIC", topic_prefix + CHECKPOINTS, ("READ", "WRITE", "DESCRIBE"))
    for spec in catalogue:
        if department in spec.readers:
            found += _grant(user, "TOPIC", topic_prefix + spec.name, ("READ", "DESCRIBE"))
    group = consumer_group_prefix(department)
    found += _grant(user, "GROUP", topic_prefix + group, ("READ", "DESCRIBE"), "PREFIXED")
    return found


def hub_permissions(app_id: str, topic_prefix: str = "") -> list[Permission]:
    """The worker reads every department topic and keeps the hub's (and Faust's changelog)
    topics; the dashboard reads everything and publishes only alert lifecycle steps, its audit
    trail and governance steps."""
    dept, hub = topic_prefix + "dept.", topic_prefix + "hub."
    worker = (
        _grant(HUB_WORKER, "TOPIC", dept, ("READ", "DESCRIBE"), "PREFIXED")
        + _grant(HUB_WORKER, "TOPIC", hub, ("ALL",), "PREFIXED")
        + _grant(HUB_WORKER, "TOPIC", app_id, ("ALL",), "PREFIXED")  # Faust's own topics
        + _grant(HUB_WORKER, "GROUP", app_id, ("ALL",), "PREFIXED")
        + _grant(HUB_WORKER, "TRANSACTIONAL_ID", app_id, ("ALL",), "PREFIXED")
    )
    dashboard = (
        _grant(HUB_DASHBOARD, "TOPIC", dept, ("READ", "DESCRIBE"), "PREFIXED")
        + _grant(HUB_DASHBOARD, "TOPIC", hub, ("READ", "DESCRIBE"), "PREFIXED")
        + _grant(HUB_DASHBOARD, "TOPIC", topic_prefix + ALERT_ACTIONS, ("WRITE",))
        + _grant(HUB_DASHBOARD, "TOPIC", topic_prefix + AUDIT, ("WRITE",))
        # requests, answers and flags people make on the governance page
        + _grant(HUB_DASHBOARD, "TOPIC", topic_prefix + GOVERNANCE, ("WRITE",))
    )
    return worker + dashboard


@dataclass(frozen=True)
class Grant:
    """An approved access request in force: ``department`` may read ``topic`` (as the
    catalogue names it), with the consumer groups it already has (``<dept>.*``)."""

    department: str
    topic: str


def grant_permissions(grants: Iterable[Grant], topic_prefix: str = "") -> list[Permission]:
    found: list[Permission] = []
    for grant in grants:
        reader = department_principal(grant.department)
        found += _grant(reader, "TOPIC", topic_prefix + grant.topic, ("READ", "DESCRIBE"))
    return found


def access_plan(
    catalogue: Iterable[TopicSpec],
    routes: Iterable[ConnectorRoute],
    app_id: str,
    topic_prefix: str = "",
    grants: Iterable[Grant] = (),
) -> dict[str, list[Permission]]:
    """Every principal the hub needs, with its permissions: the catalogue's and those of the
    access grants in force (streams/governance/requests.py)."""
    specs, routes = tuple(catalogue), tuple(routes)
    plan = {
        department_principal(dept): department_permissions(dept, specs, routes, topic_prefix)
        for dept in DEPARTMENTS
    }
    for permission in grant_permissions(grants, topic_prefix):
        plan[permission.principal].append(permission)
    for permission in hub_permissions(app_id, topic_prefix):
        plan.setdefault(permission.principal, []).append(permission)
    return {principal: sorted(set(perms)) for principal, perms in plan.items()}
