"""How a client proves who it is to the brokers: one value, translated for each Kafka library.

The hub's clients come from three libraries (kafka-python producers and admin, aiokafka readers,
Faust's worker); each spells the same SASL and TLS options differently. Everything that opens a
connection takes a ``KafkaAuth`` and asks it for its own library's spelling, so a deployment sets
credentials once (``INJURYHUB_KAFKA_*``).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faust
from pydantic import SecretStr

Protocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


@dataclass(frozen=True)
class KafkaAuth:
    protocol: Protocol = "PLAINTEXT"
    mechanism: Mechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None
    #: The CA that signed the brokers' certificates (TLS); None: the system's trusted CAs.
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        if self.uses_sasl and (not self.username or self.password is None):
            raise ValueError(
                f"security protocol {self.protocol} needs a user name and a password "
                "(INJURYHUB_KAFKA_USERNAME, INJURYHUB_KAFKA_PASSWORD)"
            )

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"KafkaAuth({self.protocol}, {self.mechanism}, user={self.username!r})"

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def aiokafka(self) -> dict[str, Any]:
        """Options for aiokafka's consumer, producer and admin client (the context checks the
        host name)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_sasl:
            options |= {
                "sasl_mechanism": self.mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self._secret(),
            }
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        return options

    def kafka_python(self) -> dict[str, Any]:
        """Options for kafka-python's producer, consumer and admin client: aiokafka's names,
        and kafka-python checks the host name only when told."""
        options = self.aiokafka()
        if self.uses_tls:
            options["ssl_check_hostname"] = True
        return options

    def faust_credentials(self) -> faust.types.auth.CredentialsT | None:
        """``broker_credentials`` of a Faust app."""
        if self.uses_sasl:
            credentials = faust.SASLCredentials(
                username=self.username,
                password=self._secret(),
                mechanism=self.mechanism,
                ssl_context=self.ssl_context() if self.uses_tls else None,
            )
            return credentials
        if self.uses_tls:
            return faust.SSLCredentials(self.ssl_context())
        return None

    def _secret(self) -> str:
        assert self.password is not None  # __post_init__ made sure
        return self.password.get_secret_value()


NO_AUTH = KafkaAuth()
