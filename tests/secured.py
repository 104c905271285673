"""A local cluster with SASL/SCRAM logins and ACLs (`injuryhub broker start --security sasl`,
`injuryhub security init`), for the integration tests of who may do what."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streams.access.apply import login_variables, principal_auth
from streams.broker.cluster import LocalCluster
from streams.clients import make_producer, read_to_end
from streams.kafka_auth import KafkaAuth
from tests.support import REPO_ROOT, local_settings


@dataclass(frozen=True)
class Secured:
    bootstrap: str
    env: dict[str, str]  # a process on this cluster, before it logs in
    logins: Path

    def auth(self, principal: str) -> KafkaAuth:
        return principal_auth(self.logins, principal)

    def login(self, principal: str) -> dict[str, str]:
        variables = login_variables(self.logins, principal)
        assert variables, f"`injuryhub security init` wrote no login for {principal}"
        return self.env | variables

    def cli(self, principal: str | None, *args: str) -> subprocess.CompletedProcess[str]:
        env = self.login(principal) if principal else self.env
        return subprocess.run(
            [sys.executable, "-m", "injuryhub", *args],
            env={**os.environ, **env, "COLUMNS": "200", "NO_COLOR": "1"},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip


@contextmanager
def secured_cluster(state: Path) -> Iterator[Secured]:
    """A new secured cluster keeping its data under ``state``, its principals made, the
    catalogue's topics created; stopped on leaving."""
    settings = local_settings(state, broker_security="sasl", broker_heap="384m")
    cluster = LocalCluster(settings)
    cluster.start()
    env = {
        "INJURYHUB_STATE_DIR": str(state),
        "INJURYHUB_CACHE_DIR": str(REPO_ROOT / ".cache"),
        "INJURYHUB_BROKER_PORT": str(settings.broker_port),
        "INJURYHUB_CONTROLLER_PORT": str(settings.controller_port),
    }
    try:
        secured = Secured(settings.bootstrap, env, state / "security")
        made = secured.cli(None, "security", "init")
        assert made.returncode == 0, made.stdout + made.stderr
        assert "dept-housing" in made.stdout and "hub-worker" in made.stdout
        topics = secured.cli("hub-admin", "topics", "create")
        assert topics.returncode == 0, topics.stdout + topics.stderr
        yield secured
    finally:
        cluster.stop()


def send_probe(bootstrap: str, auth: KafkaAuth, topic: str) -> None:
    with make_producer(bootstrap, "security-test", auth=auth,
                       bootstrap_timeout_ms=5_000, max_block_ms=5_000) as producer:  # fmt: skip
        producer.send(topic, b"probe").get(timeout=10)


def read_count(bootstrap: str, auth: KafkaAuth, topic: str) -> int:
    return len(asyncio.run(read_to_end(bootstrap, topic, timeout_s=10, auth=auth)))
