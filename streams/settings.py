"""The hub's one settings object, read from ``INJURYHUB_*`` environment variables and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.kafka_auth import KafkaAuth, Mechanism, Protocol


class HubSettings(BaseSettings):
    """Settings shared by every part of the hub.

    Relative paths are resolved against the working directory, so the ``make`` targets (run from
    the checkout) and a container (run from ``/app``) both find their state in one place.
    """

    model_config = SettingsConfigDict(
        env_prefix="INJURYHUB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        # A refused value may be a secret: errors name the field, never echo what was given.
        hide_input_in_errors=True,
    )

    bootstrap_servers: str | None = Field(
        default=None,
        description="Comma-separated host:port list of the Kafka brokers to talk to; unset means "
        "the local broker started by `injuryhub broker start`.",
    )
    state_dir: Path = Field(
        default=Path(".state"),
        description="Where the local broker keeps its data, logs and pid files, and the worker "
        "its table stores.",
    )
    cache_dir: Path = Field(
        default=Path(".cache"),
        description="Where the Kafka broker's jars are resolved to (git ignores it).",
    )
    broker_port: int = Field(
        default=9092,
        ge=1024,
        le=65535,
        description="Client port of local node 1; node N uses +N-1.",
    )
    controller_port: int = Field(
        default=9192,
        ge=1024,
        le=65535,
        description="KRaft controller port of local node 1; node N uses +N-1.",
    )
    broker_heap: str = Field(default="512m", description="JVM heap (-Xmx) of each local node.")
    replication_factor: int = Field(
        default=1, ge=1, description="Replication factor for the hub's topics."
    )
    app_id: str = Field(default="injuryhub", description="Faust application id (consumer group).")
    worker_linger_s: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="How long a worker's producer waits for more messages to join a batch "
        "before it sends it; each stage between a department event and its alert adds up to "
        "this much to the alert's latency.",
    )
    schemas_dir: Path | None = Field(
        default=None,
        description="The contracts folder (.avsc files and codes/); unset: the checkout's "
        "schemas/, else ./schemas.",
    )
    districts_file: Path = Field(
        default=Path("districts.qingdao.json"),
        description="The city's district code list; a relative path is taken under "
        "<schemas>/codes. Another city sets its own.",
    )
    holidays_file: Path = Field(
        default=Path("holidays.cn.json"),
        description="The working-day calendar sharing deadlines count in (public holidays and "
        "make-up working days by year, JSON); a relative path is taken under <schemas>/codes.",
    )
    sharing_deadlines: dict[str, int] = Field(
        default={"unconditional": 2, "conditional": 5, "correction": 5, "escalate_after": 2},
        description="Working days to answer an access request by sharing class and a correction "
        "flag, and the working days overdue before one is escalated to the joint-meeting office, "
        "as JSON.",
    )
    push_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Bearer token of each department for the HTTP push endpoint, as JSON: "
        '{"hrss": "...", "health": "..."}.',
    )
    experts_file: Path | None = Field(
        default=None,
        description="The expert registry (JSON: id, name, industry specialities) alerts are "
        "assigned to; unset: the sample registry under agents/alerting/.",
    )
    alert_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="Alert and risk-score thresholds to override, by name, as JSON: "
        '{"repeat_accidents": 4, "c1": 2.5, "cusum_h": 5}; see agents/alerting/.',
    )
    subscriptions_file: Path | None = Field(
        default=None,
        description="Alert subscriptions (JSON: name, filters, delivery); unset: none.",
    )
    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="HMAC-SHA256 key of each webhook subscription, as JSON: "
        '{"<subscription>": "..."}.',
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for e-mail alerts.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Its port.")
    smtp_sender: str = Field(
        default="injuryhub@localhost", description="From address of alert e-mails."
    )
    thematic_db: Path | None = Field(
        default=None,
        description="The thematic database (专题库, a DuckDB file) `injuryhub thematic sync` "
        "writes; unset: <state_dir>/thematic.duckdb.",
    )
    dashboard_users_file: Path | None = Field(
        default=None,
        description="YAML list of dashboard users (name, role: department | analyst | admin, "
        "department, password_hash, token_hash; see `injuryhub dashboard-user`); unset: "
        "<state_dir>/dashboard-users.yaml.",
    )
    dashboard_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs dashboard session cookies; unset: a random one per start "
        "(everyone logs in again after a restart).",
    )
    training_targets: dict[str, int] = Field(
        default={"RESPONSIBLE_LEADER": 600, "SAFETY_MANAGER": 1_200, "TEAM_LEADER": 4_200},
        description="People to train by category (JSON object); the programme's 6,000 by default.",
    )
    broker_security: Literal["plaintext", "sasl", "sasl_ssl"] = Field(
        default="plaintext",
        description="How `injuryhub broker start` sets up a new local cluster: plaintext; sasl "
        "(SASL/SCRAM logins and Kafka ACLs; `injuryhub security init` makes the principals); "
        "sasl_ssl (the same over TLS, with a CA of its own).",
    )
    kafka_security_protocol: Protocol = Field(
        default="PLAINTEXT",
        description="How clients connect: PLAINTEXT, SASL_PLAINTEXT, SASL_SSL or SSL.",
    )
    kafka_sasl_mechanism: Mechanism = Field(
        default="SCRAM-SHA-512", description="SASL mechanism of the clients."
    )
    kafka_username: str | None = Field(
        default=None, description="The Kafka principal this process logs in as (SASL)."
    )
    kafka_password: SecretStr | None = Field(default=None, description="Its password (SASL).")
    kafka_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the brokers' certificates (TLS); unset: the "
        "system's trusted CAs.",
    )
    connector_offload_after: int | None = Field(
        default=2_000,
        ge=0,
        description="Records a connector's run evaluates in its own process before it forks a "
        "second one to evaluate the rest, so the two share the work across two cores; unset "
        "(null): never.",
    )
    pseudonym_key: SecretStr = Field(
        default=SecretStr("local-demo-key-change-me"),
        description="Per-deployment HMAC key that turns resident ID numbers into pseudonyms.",
    )

    provenance_key: SecretStr = Field(
        default=SecretStr("local-demo-provenance-key-change-me"),
        description="HMAC key that seals the provenance log (`injuryhub audit verify` needs the "
        "same one).",
    )

    @field_validator("bootstrap_servers")
    @classmethod
    def _servers_are_host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(
                    f"bootstrap server {server.strip()!r} is not host:port "
                    "(set INJURYHUB_BOOTSTRAP_SERVERS, e.g. 127.0.0.1:9092)"
                )
        return value

    @field_validator("sharing_deadlines")
    @classmethod
    def _deadlines_are_known_and_positive(cls, value: dict[str, int]) -> dict[str, int]:
        known = {"unconditional", "conditional", "correction", "escalate_after"}
        if unknown := sorted(set(value) - known):
            known_list = ", ".join(sorted(known))
            raise ValueError(f"unknown key(s) {', '.join(unknown)}; known: {known_list}")
        if bad := sorted(name for name, days in value.items() if days < 1):
            raise ValueError(f"{', '.join(bad)}: at least one working day")
        return value

    @model_validator(mode="after")
    def _credentials_fit_the_protocol(self) -> HubSettings:
        self.kafka_auth  # noqa: B018 -- raises ValueError naming the missing variables
        return self

    @property
    def bootstrap(self) -> str:
        """The brokers to connect to: the configured ones, else local node 1."""
        return self.bootstrap_servers or f"127.0.0.1:{self.broker_port}"

    @property
    def schemas_path(self) -> Path:
        if self.schemas_dir is not None:
            return self.schemas_dir.resolve()
        beside_code = Path(__file__).resolve().parents[1] / "schemas"
        return beside_code if beside_code.is_dir() else Path("schemas").resolve()

    @property
    def holidays_path(self) -> Path:
        if self.holidays_file.is_absolute():
            return self.holidays_file
        return self.schemas_path / "codes" / self.holidays_file

    @property
    def thematic_path(self) -> Path:
        return self.thematic_db or self.state_dir / "thematic.duckdb"

    @property
    def dashboard_users_path(self) -> Path:
        return self.dashboard_users_file or self.state_dir / "dashboard-users.yaml"

    @property
    def kafka_auth(self) -> KafkaAuth:
        """What every client of this process presents to the brokers."""
        return KafkaAuth(
            protocol=self.kafka_security_protocol,
            mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_username,
            password=self.kafka_password,
            ca_file=self.kafka_ca_file,
        )

    @property
    def bootstrap_list(self) -> list[str]:
        return [server.strip() for server in self.bootstrap.split(",")]


@lru_cache(maxsize=1)
def get_settings() -> HubSettings:
    return HubSettings()
