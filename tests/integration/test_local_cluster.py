"""`injuryhub broker` for real: a 3-node KRaft cluster started, used, wounded and stopped through
the CLI, exactly as a person would."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.broker.layout import ClusterLayout
from streams.broker.processes import find_node_pid
from streams.clients import make_producer, read_to_end
from streams.topics.admin import admin_client, ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.support import local_settings, unique

pytestmark = pytest.mark.kafka


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env, "COLUMNS": "200", "NO_COLOR": "1"}

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "injuryhub", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture
def three_node_cli(tmp_path: Path) -> Iterator[tuple[Cli, Path]]:
    settings = local_settings(tmp_path / "state", nodes=3)
    cli = Cli(
        {
            "INJURYHUB_STATE_DIR": str(settings.state_dir),
            "INJURYHUB_CACHE_DIR": str(settings.cache_dir),
            "INJURYHUB_BROKER_PORT": str(settings.broker_port),
            "INJURYHUB_CONTROLLER_PORT": str(settings.controller_port),
            "INJURYHUB_BROKER_HEAP": "384m",
        }
    )
    yield cli, settings.state_dir / "broker"
    cli("broker", "stop", "--timeout", "20")


def _send(bootstrap: str, topic: str, values: range) -> None:
    with make_producer(bootstrap, "cluster-test") as producer:
        futures = [producer.send(topic, key=b"k%d" % n, value=b"v%d" % n) for n in values]
        producer.flush()
        for future in futures:
            future.get(timeout=30)


def test_three_node_cluster_replicates_survives_a_kill_and_stops(
    three_node_cli: tuple[Cli, Path],
) -> None:
    cli, home = three_node_cli
    started = cli("broker", "start", "--nodes", "3")
    assert started.returncode == 0, started.stderr + started.stdout
    assert "node(s) [1, 2, 3]" in started.stdout
    layout = ClusterLayout.load(home)
    assert layout is not None and layout.node_count == 3

    again = cli("broker", "start")
    assert again.returncode == 0 and "already running" in again.stdout

    status = cli("broker", "status")
    assert status.returncode == 0, status.stdout
    assert "3 of 3 broker(s) answering" in status.stdout

    # A topic with replication factor 3: every partition on all three nodes, all in sync.
    topic = TopicSpec(f"hub.{unique('rf3')}", "hub", "rf3", partitions=3, replication=3)
    ensure_topics(layout.bootstrap, [topic], default_replication=1)
    with admin_client(layout.bootstrap) as admin:
        (described,) = admin.describe_topics([topic.name])
    for partition in described["partitions"]:
        assert sorted(partition["replica_nodes"]) == [1, 2, 3]
        assert sorted(partition["isr_nodes"]) == [1, 2, 3]
    _send(layout.bootstrap, topic.name, range(100))

    # Kill node 3 without warning: acks=all still succeeds on the two left (min.insync = 2)...
    victim = layout.nodes[2]
    victim_pid = find_node_pid(victim)
    assert victim_pid is not None
    os.kill(victim_pid, signal.SIGKILL)
    survivors = ",".join(node.address for node in layout.nodes[:2])
    _send(survivors, topic.name, range(100, 150))
    degraded = cli("broker", "status")
    assert degraded.returncode == 3 and "2 of 3 broker(s) answering" in degraded.stdout

    # ...and `start` brings back only the missing node, despite its stale pid file.
    assert victim.pid_path.exists()
    revived = cli("broker", "start")
    assert revived.returncode == 0, revived.stderr + revived.stdout
    assert "node(s) [3]" in revived.stdout

    records = asyncio.run(read_to_end(layout.bootstrap, topic.name))
    assert sorted(int(record.value[1:]) for record in records if record.value) == list(range(150))

    stopped = cli("broker", "stop")
    assert stopped.returncode == 0
    assert "node(s) [1, 2, 3] stopped" in stopped.stdout
    assert all(find_node_pid(node) is None for node in layout.nodes)
    assert "not running" in cli("broker", "stop").stdout
