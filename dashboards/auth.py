"""Dashboard users, their roles and what each may see and do.

Roles: ``department`` (a department's staff: the hub's shared figures, and a view built on
department data only if every event type it uses is shared with that department), ``analyst``
(everything, and the alert lifecycle), ``admin`` (everything, the lifecycle, subscriptions).
Users live in a YAML file with scrypt password hashes and SHA-256 API-token hashes: no secret is
stored or logged in clear. A browser logs in for a signed session cookie; scripts send
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from streams.topics.catalogue import catalogue

ROLES = ("department", "analyst", "admin")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class UsersFileError(ValueError):
    """The users file cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    department: str | None = None
    password_hash: str = ""
    token_hash: str = ""

    @property
    def acts_on_alerts(self) -> bool:
        return self.role in ("analyst", "admin")

    @property
    def manages_subscriptions(self) -> bool:
        return self.role == "admin"

    def unshared(self, event_types: tuple[str, ...]) -> list[str]:
        """The event types of ``event_types`` not shared with this user (none for analysts)."""
        if self.role != "department":
            return []
        readers = {spec.event_type: spec.readers for spec in catalogue() if spec.event_type}
        return [t for t in event_types if self.department not in readers.get(t, ())]

    def public(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "department": self.department,
                "acts_on_alerts": self.acts_on_alerts}  # fmt: skip


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def password_matches(user: User, password: str) -> bool:
    try:
        kind, salt, expected = user.password_hash.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), expected)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Users:
    by_name: dict[str, User]

    def login(self, name: str, password: str) -> User | None:
        user = self.by_name.get(name)
        return user if user is not None and password_matches(user, password) else None

    def by_token(self, token: str) -> User | None:
        wanted = hash_token(token)
        for user in self.by_name.values():
            if user.token_hash and hmac.compare_digest(user.token_hash, wanted):
                return user
        return None


def load_users(path: Path) -> Users:
    """The users of ``path`` (none if it does not exist). Raises UsersFileError."""
    if not path.exists():
        return Users({})
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as error:
        raise UsersFileError(f"{path}: not YAML ({error})") from None
    users: dict[str, User] = {}
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise UsersFileError(f"{path}: entry {index} needs a name")
        role = entry.get("role")
        if role not in ROLES:
            raise UsersFileError(f"{path}: user {entry['name']}: role {role!r} is not one of "
                                 f"{', '.join(ROLES)}")  # fmt: skip
        if role == "department" and not entry.get("department"):
            raise UsersFileError(f"{path}: user {entry['name']}: a department user needs its "
                                 "department")  # fmt: skip
        users[entry["name"]] = User(
            entry["name"], role, entry.get("department"),
            entry.get("password_hash", ""), entry.get("token_hash", ""),
        )  # fmt: skip
    return Users(users)


def add_user(path: Path, name: str, role: str, department: str | None) -> tuple[str, str]:
    """Adds (or replaces) user ``name`` with a new random password and API token, written as
    hashes only; returns (password, token) for the one who runs it to pass on."""
    if role not in ROLES:
        raise UsersFileError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "department" and not department:
        raise UsersFileError("a department user needs --department")
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []
    entries = [e for e in entries or [] if e.get("name") != name]
    password, token = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
    entries.append({
        "name": name, "role": role, "department": department,
        "password_hash": hash_password(password), "token_hash": hash_token(token),
    })  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return password, token
