"""`injuryhub broker start | stop | status`: a real Kafka cluster as local processes."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streams.broker import processes, tls
from streams.broker.errors import BrokerError
from streams.broker.jars import KAFKA_VERSION, KafkaJars, fetch_jars
from streams.broker.layout import LISTENER_HOST, ClusterLayout, NodeSpec, new_cluster_id
from streams.broker.readiness import registered_brokers
from streams.broker.sasl import BrokerSecrets, write_private
from streams.kafka_auth import NO_AUTH, KafkaAuth
from streams.settings import HubSettings


@dataclass(frozen=True)
class NodeState:
    node: NodeSpec
    pid: int | None
    stale_pid_file: bool

    @property
    def running(self) -> bool:
        return self.pid is not None


@dataclass(frozen=True)
class StartReport:
    layout: ClusterLayout
    started: tuple[int, ...]  # node ids started by this call
    already_running: tuple[int, ...]
    formatted: bool
    seconds: float


@dataclass(frozen=True)
class StopReport:
    stopped: tuple[int, ...]  # node ids
    killed: tuple[int, ...]  # node ids that ignored SIGTERM
    stale_pid_files: tuple[int, ...]
    seconds: float


class LocalCluster:
    """One local KRaft cluster whose state lives under ``<state_dir>/broker``."""

    def __init__(
        self,
        settings: HubSettings,
        java: str = "java",
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.home = settings.state_dir.resolve() / "broker"
        self.java = java
        self._progress = on_progress or (lambda _message: None)

    @property
    def layout(self) -> ClusterLayout | None:
        return ClusterLayout.load(self.home)

    @property
    def secrets(self) -> BrokerSecrets | None:
        """The super users' passwords of a sasl cluster."""
        return BrokerSecrets.load(self.home)

    def admin_auth(self) -> KafkaAuth:
        """How the cluster's administrator logs in (no login on a plaintext cluster)."""
        layout = self.layout
        if layout is None or layout.security == "plaintext":
            return NO_AUTH
        secrets = self.secrets
        if secrets is None:
            raise BrokerError(
                f"{BrokerSecrets.path(self.home)} is missing: without the administrator's "
                "password nobody can manage this sasl cluster; `injuryhub broker reset` discards it"
            )
        if layout.security == "sasl_ssl":
            return secrets.admin_auth("SASL_SSL", tls.ca_path(self.home))
        return secrets.admin_auth()

    def node_states(self) -> list[NodeState]:
        layout = self.layout
        if layout is None:
            return []
        states = []
        for node in layout.nodes:
            pid = processes.find_node_pid(node)
            states.append(NodeState(node, pid, pid is None and node.pid_path.exists()))
        return states

    def start(self, nodes: int | None = None, timeout: float = 120.0) -> StartReport:
        began = time.monotonic()
        layout, formatted = self._layout_for(nodes)
        states = self.node_states()
        running = tuple(state.node.node_id for state in states if state.running)
        to_start = [state.node for state in states if not state.running]
        if not to_start:
            return StartReport(layout, (), running, False, time.monotonic() - began)
        self._check_ports_free(to_start)
        jars = self._jars()
        secure = layout.security != "plaintext"
        secrets = BrokerSecrets.load_or_create(self.home) if secure else None
        if layout.security == "sasl_ssl":
            tls.ensure_certificates(self.home, LISTENER_HOST)
        pids: dict[NodeSpec, int] = {}
        for node in to_start:
            node.home.mkdir(parents=True, exist_ok=True)
            node.pid_path.unlink(missing_ok=True)
            # Private: a sasl node's properties hold the broker's password.
            write_private(node.config_path, layout.render_properties(node, secrets))
            if not node.is_formatted():
                self._progress(f"formatting KRaft storage of node {node.node_id}")
                scram = secrets.format_arguments() if secrets else []
                processes.format_storage(node, jars, layout.cluster_id, self.java, scram)
                formatted = True
            pids[node] = processes.spawn_node(node, jars, self.java, self.settings.broker_heap)
        self._wait_until_ready(layout, pids, timeout)
        started = tuple(node.node_id for node in to_start)
        return StartReport(layout, started, running, formatted, time.monotonic() - began)

    def stop(self, timeout: float = 60.0) -> StopReport:
        began = time.monotonic()
        states = self.node_states()
        live = {state.pid: state.node.node_id for state in states if state.pid is not None}
        killed_pids = processes.terminate(list(live), timeout)
        for state in states:
            state.node.pid_path.unlink(missing_ok=True)
        return StopReport(
            stopped=tuple(sorted(live.values())),
            killed=tuple(sorted(live[pid] for pid in killed_pids)),
            stale_pid_files=tuple(s.node.node_id for s in states if s.stale_pid_file),
            seconds=time.monotonic() - began,
        )

    def reset(self) -> StopReport:
        """Stop the cluster and delete its data, so the next start makes a new one."""
        report = self.stop()
        if self.home.exists():
            shutil.rmtree(self.home)
        return report

    def log_path(self, node_id: int = 1) -> Path:
        layout = self.layout
        if layout is None:
            raise BrokerError("no local broker has been started yet: run `injuryhub broker start`")
        for node in layout.nodes:
            if node.node_id == node_id:
                return node.log_path
        raise BrokerError(f"node {node_id} does not exist; the cluster has {layout.node_count}")

    def _layout_for(self, nodes: int | None) -> tuple[ClusterLayout, bool]:
        existing = self.layout
        wanted = ClusterLayout(
            home=self.home,
            node_count=nodes or (existing.node_count if existing else 1),
            broker_port=self.settings.broker_port,
            controller_port=self.settings.controller_port,
            cluster_id=new_cluster_id(),
            kafka_version=KAFKA_VERSION,
            security=self.settings.broker_security,  # a formatted cluster keeps its own
        )
        if existing is None or not any(node.is_formatted() for node in existing.nodes):
            wanted.save()  # nothing was ever stored under the old layout: nothing to lose
            return wanted, True
        if not existing.same_shape(wanted):
            raise BrokerError(
                f"{self.home} holds a {existing.node_count}-node cluster on port "
                f"{existing.broker_port}, not the {wanted.node_count}-node one on port "
                f"{wanted.broker_port} asked for. Run `injuryhub broker reset` to discard it "
                "(its topics and data go too), or start it as it is."
            )
        if existing.kafka_version != KAFKA_VERSION:
            raise BrokerError(
                f"{self.home} was formatted by Kafka {existing.kafka_version}, this hub pins "
                f"{KAFKA_VERSION}. Run `injuryhub broker reset` to start afresh."
            )
        return existing, False

    def _check_ports_free(self, nodes: list[NodeSpec]) -> None:
        for node in nodes:
            for port, field in (
                (node.broker_port, "INJURYHUB_BROKER_PORT"),
                (node.controller_port, "INJURYHUB_CONTROLLER_PORT"),
            ):
                if processes.port_in_use(port):
                    raise BrokerError(
                        f"port {port} for node {node.node_id} is taken by another program; "
                        f"stop it or choose other ports with {field}"
                    )

    def _jars(self) -> KafkaJars:
        if shutil.which(self.java) is None:
            raise BrokerError(
                f"`{self.java}` is not on PATH; Kafka {KAFKA_VERSION} needs Java 17 or newer "
                "(Debian: apt-get install openjdk-17-jre-headless)"
            )
        self._progress(f"resolving Apache Kafka {KAFKA_VERSION} jars (cached after the first time)")
        try:
            return fetch_jars(self.settings.cache_dir)
        except RuntimeError as error:
            raise BrokerError(str(error)) from error

    def _wait_until_ready(
        self, layout: ClusterLayout, pids: dict[NodeSpec, int], timeout: float
    ) -> None:
        """Until every node answers; ``pids``: the nodes this call started."""
        self._progress(f"waiting for {layout.node_count} node(s) to answer on {layout.bootstrap}")
        deadline = time.monotonic() + timeout
        while True:
            for node, pid in pids.items():
                # Ask the child itself rather than scan /proc for its command line.
                code = processes.exit_code(pid)
                if code is not None:
                    raise BrokerError(
                        f"node {node.node_id} exited with {code} while starting; the end of "
                        f"{node.log_path}:\n{_tail(node.log_path, 20)}"
                    )
            if registered_brokers(layout.bootstrap, auth=self.admin_auth()) >= layout.node_count:
                return
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"the cluster did not answer within {timeout:.0f} s; see "
                    f"`injuryhub broker logs` ({next(iter(pids)).log_path})"
                )
            time.sleep(0.25)


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return "(no log written)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
