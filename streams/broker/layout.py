"""Where each local KRaft node lives and how it is configured.

Every node runs as a combined broker + controller, so a single node is a whole cluster and three
nodes form a quorum that survives the loss of one.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from streams.broker import tls
from streams.broker.sasl import BrokerSecrets

#: plaintext; sasl: SCRAM logins and ACLs; sasl_ssl: the same over TLS
Security = Literal["plaintext", "sasl", "sasl_ssl"]

LISTENER_HOST = "127.0.0.1"


@dataclass(frozen=True)
class NodeSpec:
    node_id: int
    broker_port: int
    controller_port: int
    home: Path

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def config_path(self) -> Path:
        return self.home / "server.properties"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    @property
    def pid_path(self) -> Path:
        return self.home / "broker.pid"

    @property
    def address(self) -> str:
        return f"{LISTENER_HOST}:{self.broker_port}"

    def is_formatted(self) -> bool:
        return (self.data_dir / "meta.properties").exists()


@dataclass(frozen=True)
class ClusterLayout:
    """The nodes of one local cluster, kept in ``<state>/broker/cluster.json`` once formatted."""

    home: Path
    node_count: int
    broker_port: int
    controller_port: int
    cluster_id: str
    kafka_version: str
    #: see Security; streams/broker/sasl.py and tls.py
    security: Security = "plaintext"

    @property
    def nodes(self) -> tuple[NodeSpec, ...]:
        return tuple(
            NodeSpec(
                node_id=index + 1,
                broker_port=self.broker_port + index,
                controller_port=self.controller_port + index,
                home=self.home / f"node-{index + 1}",
            )
            for index in range(self.node_count)
        )

    @property
    def bootstrap(self) -> str:
        return ",".join(node.address for node in self.nodes)

    @property
    def client_listener(self) -> str:
        """The client port's listener, named after its security protocol."""
        return {"plaintext": "PLAINTEXT", "sasl": "SASL_PLAINTEXT", "sasl_ssl": "SASL_SSL"}[
            self.security
        ]

    @property
    def quorum_voters(self) -> str:
        return ",".join(
            f"{node.node_id}@{LISTENER_HOST}:{node.controller_port}" for node in self.nodes
        )

    def same_shape(self, other: ClusterLayout) -> bool:
        return (self.node_count, self.broker_port, self.controller_port) == (
            other.node_count,
            other.broker_port,
            other.controller_port,
        )

    def render_properties(self, node: NodeSpec, secrets: BrokerSecrets | None = None) -> str:
        """``secrets``: the super users' passwords, which a sasl cluster needs."""
        replicas = min(3, self.node_count)
        # With three nodes, acks=all must mean "on at least two", or one lost disk loses data.
        min_isr = min(2, self.node_count)
        settings = {
            "process.roles": "broker,controller",
            "node.id": node.node_id,
            "controller.quorum.voters": self.quorum_voters,
            "listeners": (
                f"{self.client_listener}://{LISTENER_HOST}:{node.broker_port},"
                f"CONTROLLER://{LISTENER_HOST}:{node.controller_port}"
            ),
            "advertised.listeners": f"{self.client_listener}://{node.address}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": node.data_dir,
            # Topics come from the catalogue (`injuryhub topics create`); a typo must fail, not
            # silently create a one-partition topic.
            "auto.create.topics.enable": "false",
            "default.replication.factor": replicas,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": replicas,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": min_isr,
            # Local clusters serve tests and demos: don't wait 3 s for more members to join.
            "group.initial.rebalance.delay.ms": 0,
        }
        if self.security != "plaintext":
            if secrets is None:
                raise ValueError("a sasl cluster's properties need its broker password")
            settings |= secrets.properties(self.client_listener)
        if self.security == "sasl_ssl":
            settings |= tls.listener_properties(self.home)
        lines = [f"# Written by `injuryhub broker start` for Kafka {self.kafka_version}."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        return "\n".join(lines) + "\n"

    def save(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        record = asdict(self) | {"home": str(self.home)}
        (self.home / "cluster.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")

    @classmethod
    def load(cls, home: Path) -> ClusterLayout | None:
        path = home / "cluster.json"
        if not path.exists():
            return None
        record = json.loads(path.read_text("utf-8"))
        record["home"] = Path(record["home"])
        return cls(**record)


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding.

    Like Kafka's own ``Uuid.randomUuid()``, refuse ids that start with "-": the storage tool
    would read one as an option (1 id in 64 would otherwise fail to format).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        if not cluster_id.startswith("-"):
            return cluster_id
