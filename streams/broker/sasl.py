"""A local cluster that asks every client to log in (SASL/SCRAM) and checks Kafka ACLs.

Clients, and the brokers among themselves, log in with SCRAM-SHA-512 on the client port; the
credentials live in the cluster's metadata, so the broker's and the administrator's are written
when the storage is formatted (nobody could log in to add them later). The controller port uses
SASL/PLAIN with the broker's password from its own configuration: KRaft controllers cannot check
SCRAM logins (they would need the metadata they are about to serve). Authorisation is Kafka's
StandardAuthorizer; only the broker and the administrator are super users, everyone else gets
exactly the ACLs `injuryhub security init` grants.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from streams.kafka_auth import KafkaAuth, Mechanism, Protocol

BROKER_PRINCIPAL = "hub-broker"
ADMIN_PRINCIPAL = "hub-admin"
MECHANISM: Mechanism = "SCRAM-SHA-512"


@dataclass(frozen=True)
class BrokerSecrets:
    """The passwords of the two super users, kept beside the cluster, readable by its owner only."""

    broker_password: SecretStr
    admin_password: SecretStr

    @classmethod
    def path(cls, home: Path) -> Path:
        return home / "secrets.json"

    @classmethod
    def load(cls, home: Path) -> BrokerSecrets | None:
        path = cls.path(home)
        if not path.exists():
            return None
        stored = json.loads(path.read_text("utf-8"))
        return cls(SecretStr(stored["broker_password"]), SecretStr(stored["admin_password"]))

    @classmethod
    def load_or_create(cls, home: Path) -> BrokerSecrets:
        found = cls.load(home)
        if found is not None:
            return found
        made = cls(SecretStr(secrets.token_urlsafe(24)), SecretStr(secrets.token_urlsafe(24)))
        home.mkdir(parents=True, exist_ok=True)
        stored = {
            "broker_password": made.broker_password.get_secret_value(),
            "admin_password": made.admin_password.get_secret_value(),
        }
        write_private(cls.path(home), json.dumps(stored, indent=2) + "\n")
        return made

    def admin_auth(
        self, protocol: Protocol = "SASL_PLAINTEXT", ca_file: Path | None = None
    ) -> KafkaAuth:
        return KafkaAuth(protocol, MECHANISM, ADMIN_PRINCIPAL, self.admin_password, ca_file)

    def format_arguments(self) -> list[str]:
        """``kafka-storage format`` options that store the super users' SCRAM credentials."""
        arguments = []
        for name, password in (
            (BROKER_PRINCIPAL, self.broker_password),
            (ADMIN_PRINCIPAL, self.admin_password),
        ):
            arguments += [
                "--add-scram",
                f"{MECHANISM}=[name={name},password={password.get_secret_value()}]",
            ]
        return arguments

    def properties(self, listener: str) -> dict[str, str]:
        """What a node's server.properties needs beyond a plaintext node's; ``listener``: the
        client port's, SASL_PLAINTEXT or SASL_SSL (named after its protocol)."""
        broker = self.broker_password.get_secret_value()
        scram_login = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{BROKER_PRINCIPAL}" password="{broker}";'
        )
        plain_login = (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{BROKER_PRINCIPAL}" password="{broker}" user_{BROKER_PRINCIPAL}="{broker}";'
        )
        client = listener.lower()
        return {
            # The controller port stays on loopback without TLS (see docs/security.md).
            "listener.security.protocol.map": f"{listener}:{listener},CONTROLLER:SASL_PLAINTEXT",
            "inter.broker.listener.name": listener,
            "sasl.enabled.mechanisms": MECHANISM,
            "sasl.mechanism.inter.broker.protocol": MECHANISM,
            f"listener.name.{client}.sasl.enabled.mechanisms": MECHANISM,
            f"listener.name.{client}.{MECHANISM.lower()}.sasl.jaas.config": scram_login,
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": plain_login,
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": f"User:{BROKER_PRINCIPAL};User:{ADMIN_PRINCIPAL}",
            "allow.everyone.if.no.acl.found": "false",
        }


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (created so, never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    path.chmod(0o600)
