"""Brokers failing under the connectors: a node of a three-node cluster killed, and a single
broker restarted, each in the middle of a replayed year. The replay ends matching the ground
truth, with no event lost or written twice. (Workers killed and poison input:
tests/integration/test_hub_agents.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.broker.cluster import LocalCluster
from streams.broker.processes import find_node_pid
from streams.settings import HubSettings
from streams.topics.admin import admin_client
from tests.pipeline import assert_matches_truth, generated_year, published_topics
from tests.support import REPO_ROOT, local_settings

pytestmark = [pytest.mark.kafka, pytest.mark.faults]
WATCHED = "dept.hrss.insured-headcount.v1"  # the largest department topic of a year


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("faults") / "qingdao-2025"
    return folder, generated_year(folder, scale=0.01, seed=31)


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalCluster]:
    nodes: int = request.param
    settings = local_settings(tmp_path / "state", nodes=nodes, broker_heap="384m",
                              replication_factor=min(3, nodes))  # fmt: skip
    cluster = LocalCluster(settings)
    cluster.start(nodes=nodes)
    try:
        yield cluster
    finally:
        cluster.stop(timeout=20)


def _start_replay(settings: HubSettings, bootstrap: str, folder: Path, log: Path) -> Any:
    env = {
        **os.environ,
        "INJURYHUB_BOOTSTRAP_SERVERS": bootstrap,
        "INJURYHUB_REPLICATION_FACTOR": str(settings.replication_factor),
        "INJURYHUB_STATE_DIR": str(settings.state_dir),
        "INJURYHUB_CACHE_DIR": str(REPO_ROOT / ".cache"),
    }
    command = [sys.executable, "-m", "injuryhub", "replay", str(folder), "--topic-prefix", ""]
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait_until_midway(bootstrap: str, replay: Any, log: Path, expected: int) -> None:
    """Until a third of the watched topic is written (messages and transaction markers): the
    replay is in full flow."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        deadline = time.monotonic() + 300
        while True:
            parts = [
                TopicPartition(WATCHED, p) for p in consumer.partitions_for_topic(WATCHED) or ()
            ]
            if parts and sum(consumer.end_offsets(parts).values()) >= expected // 3:
                return
            assert replay.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the replay never got going"
            time.sleep(0.2)
            consumer.topics()  # refreshes the metadata: the topic appears once the replay made it
    finally:
        consumer.close()


def _finished(replay: Any, log: Path) -> str:
    replay.wait(timeout=900)
    output = log.read_text()
    assert replay.returncode == 0, output[-4000:]
    assert "every connector matches the ground truth" in output
    return output


@pytest.mark.parametrize("cluster", [3], indirect=True)
def test_a_node_killed_during_a_replay_loses_and_duplicates_nothing(
    cluster: LocalCluster, year: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, truth = year
    layout = cluster.layout
    assert layout is not None
    log = tmp_path / "replay.log"
    replay = _start_replay(cluster.settings, layout.bootstrap, folder, log)
    _wait_until_midway(layout.bootstrap, replay, log, truth["topics"][WATCHED])
    victim = layout.nodes[0]  # the first bootstrap server: every client met it first
    pid = find_node_pid(victim)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    _finished(replay, log)
    survivors = ",".join(node.address for node in layout.nodes[1:])
    with admin_client(survivors) as admin:
        (described,) = admin.describe_topics([WATCHED])
    assert all(len(p["replica_nodes"]) == 3 for p in described["partitions"])
    assert_matches_truth(published_topics(survivors, "", truth), truth)


@pytest.mark.parametrize("cluster", [1], indirect=True)
def test_a_broker_restarted_during_a_replay_makes_connectors_wait_not_lose(
    cluster: LocalCluster, year: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, truth = year
    bootstrap = cluster.settings.bootstrap
    log = tmp_path / "replay.log"
    replay = _start_replay(cluster.settings, bootstrap, folder, log)
    _wait_until_midway(bootstrap, replay, log, truth["topics"][WATCHED])
    cluster.stop(timeout=30)
    time.sleep(5)  # down for a while: the connectors must wait, not give up
    assert replay.poll() is None, log.read_text()[-3000:]
    cluster.start()
    _finished(replay, log)
    assert_matches_truth(published_topics(bootstrap, "", truth), truth)
