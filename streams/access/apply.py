"""Put an access plan on a cluster: SCRAM logins for its principals and exactly its ACLs."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    UserScramCredentialUpsertion,
)
from pydantic import SecretStr

from streams.access.principals import Permission
from streams.broker.sasl import MECHANISM, write_private
from streams.kafka_auth import KafkaAuth


class AccessError(RuntimeError):
    """The cluster refused part of the plan; the message says which part and why."""


@dataclass(frozen=True)
class ApplyReport:
    principals: tuple[str, ...]
    created: tuple[Permission, ...]
    removed: tuple[Permission, ...]


def credentials_path(folder: Path, principal: str) -> Path:
    return folder / f"{principal}.env"


def login_variables(folder: Path, principal: str) -> dict[str, str]:
    """The ``INJURYHUB_KAFKA_*`` variables of the principal's login file (empty if none yet)."""
    path = credentials_path(folder, principal)
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text("utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            found[name.strip()] = value.strip()
    return found


def write_login(folder: Path, principal: str, password: SecretStr, cluster: KafkaAuth) -> None:
    """The principal's login file; ``cluster``: how the cluster is reached (protocol, CA)."""
    lines = [
        f"# Kafka login of principal {principal} (written by `injuryhub security init`)",
        f"INJURYHUB_KAFKA_SECURITY_PROTOCOL={cluster.protocol}",
        f"INJURYHUB_KAFKA_SASL_MECHANISM={MECHANISM}",
        f"INJURYHUB_KAFKA_USERNAME={principal}",
        f"INJURYHUB_KAFKA_PASSWORD={password.get_secret_value()}",
    ]
    if cluster.ca_file is not None:
        lines.append(f"INJURYHUB_KAFKA_CA_FILE={cluster.ca_file}")
    write_private(credentials_path(folder, principal), "\n".join(lines) + "\n")


def principal_password(folder: Path, principal: str) -> SecretStr:
    """The principal's password: the one its login file holds, else a new one."""
    stored = login_variables(folder, principal).get("INJURYHUB_KAFKA_PASSWORD")
    return SecretStr(stored) if stored else SecretStr(secrets.token_urlsafe(24))


def principal_auth(folder: Path, principal: str) -> KafkaAuth:
    """How the principal logs in, from its login file."""
    found = login_variables(folder, principal)
    ca_file = found.get("INJURYHUB_KAFKA_CA_FILE")
    return KafkaAuth(
        found["INJURYHUB_KAFKA_SECURITY_PROTOCOL"],  # type: ignore[arg-type]
        MECHANISM,
        principal,
        SecretStr(found["INJURYHUB_KAFKA_PASSWORD"]),
        Path(ca_file) if ca_file else None,
    )


def _to_acl(permission: Permission) -> ACL:
    return ACL(
        principal=f"User:{permission.principal}",
        host="*",
        operation=ACLOperation[permission.operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            ResourceType[permission.resource],
            permission.name,
            ACLResourcePatternType[permission.pattern],
        ),
    )


def _from_acl(acl: ACL) -> Permission:
    pattern = acl.resource_pattern
    return Permission(
        acl.principal.removeprefix("User:"),
        pattern.resource_type.name,
        pattern.resource_name,
        pattern.pattern_type.name,
        acl.operation.name,
    )


def current_permissions(admin: KafkaAdminClient, principal: str) -> set[Permission]:
    every = ACLFilter(
        principal=f"User:{principal}",
        host="*",
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )
    found, error = admin.describe_acls(every)
    if error.errno:
        raise AccessError(f"listing the ACLs of {principal} failed: {error.description}")
    return {_from_acl(acl) for acl in found}


def apply_plan(
    admin: KafkaAdminClient,
    plan: dict[str, list[Permission]],
    passwords: dict[str, SecretStr],
) -> ApplyReport:
    """Make each principal's login and ACLs exactly as planned (running it twice changes
    nothing the second time; a permission no longer planned is removed)."""
    refused = admin.alter_user_scram_credentials(
        [
            UserScramCredentialUpsertion(user, MECHANISM, password.get_secret_value())
            for user, password in passwords.items()
        ]
    )
    failures = {user: reason for user, reason in refused.items() if reason}
    if failures:
        raise AccessError(f"the cluster refused the logins of {failures}")
    created: list[Permission] = []
    removed: list[Permission] = []
    for principal, wanted in plan.items():
        added, taken = reconcile(admin, principal, wanted)
        created += added
        removed += taken
    return ApplyReport(tuple(plan), tuple(created), tuple(removed))


def reconcile(
    admin: KafkaAdminClient, principal: str, wanted: Iterable[Permission]
) -> tuple[list[Permission], list[Permission]]:
    """Make ``principal``'s ACLs exactly ``wanted``; the ACLs created and those removed."""
    present = current_permissions(admin, principal)
    missing = sorted(set(wanted) - present)
    extra = sorted(present - set(wanted))
    if missing:
        result = admin.create_acls([_to_acl(p) for p in missing])
        if result["failed"]:
            raise AccessError(f"ACLs of {principal} refused: {result['failed']}")
    if extra:
        _delete(admin, extra)
    return missing, extra


def _delete(admin: KafkaAdminClient, permissions: Iterable[Permission]) -> None:
    filters = [_to_acl(p) for p in permissions]  # an ACL is its own exact filter
    for acl_filter, _matched, error in admin.delete_acls(filters):
        if error.errno:
            raise AccessError(f"removing ACL {acl_filter} failed: {error.description}")
