"""The launcher's process bookkeeping, with stand-in processes instead of Kafka (no broker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.broker.cluster import LocalCluster
from streams.broker.errors import BrokerError
from streams.broker.jars import JarFetchError, fetch_jars
from streams.broker.layout import ClusterLayout, new_cluster_id
from streams.broker.processes import find_node_pid
from streams.settings import HubSettings


@pytest.fixture
def cluster(tmp_path: Path) -> LocalCluster:
    settings = HubSettings(state_dir=tmp_path, broker_port=39092, controller_port=39192)
    layout = ClusterLayout(
        tmp_path.resolve() / "broker", 2, 39092, 39192, new_cluster_id(), "4.1.1"
    )
    layout.save()
    for node in layout.nodes:
        node.home.mkdir(parents=True)
    return LocalCluster(settings)


@pytest.fixture
def stand_in_node(cluster: LocalCluster) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line looks like node 1's broker, as `ps` would show it."""
    assert cluster.layout is not None
    config = cluster.layout.nodes[0].config_path
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "kafka.Kafka", str(config)]
    )
    yield process
    process.kill()
    process.wait()


def test_a_node_is_found_by_its_command_line(
    cluster: LocalCluster, stand_in_node: subprocess.Popen[bytes]
) -> None:
    states = cluster.node_states()
    assert [state.pid for state in states] == [stand_in_node.pid, None]
    assert cluster.layout is not None
    assert find_node_pid(cluster.layout.nodes[1]) is None


def test_stop_terminates_nodes_and_reports_them(
    cluster: LocalCluster, stand_in_node: subprocess.Popen[bytes]
) -> None:
    report = cluster.stop(timeout=10)
    assert report.stopped == (1,)
    assert report.killed == ()  # python exits on SIGTERM, no SIGKILL needed
    assert stand_in_node.wait(timeout=5) != 0
    assert cluster.node_states()[0].pid is None


def test_a_pid_file_naming_someone_else_is_stale_not_trusted(cluster: LocalCluster) -> None:
    assert cluster.layout is not None
    node = cluster.layout.nodes[1]
    node.pid_path.write_text(f"{os.getpid()}\n")  # alive, but it is this test, not Kafka
    state = cluster.node_states()[1]
    assert (state.running, state.stale_pid_file) == (False, True)
    report = cluster.stop()
    assert report.stale_pid_files == (2,)
    assert report.stopped == ()
    assert not node.pid_path.exists()


def test_start_refuses_a_different_cluster_shape(cluster: LocalCluster) -> None:
    with pytest.raises(BrokerError, match=r"holds a 2-node cluster.*injuryhub broker reset"):
        cluster.start(nodes=3)


def test_start_names_a_taken_port(cluster: LocalCluster) -> None:
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", 39193))
        squatter.listen()
        with pytest.raises(
            BrokerError, match=r"port 39193 for node 2 .* INJURYHUB_CONTROLLER_PORT"
        ):
            cluster.start()


def test_reset_deletes_the_cluster_state(cluster: LocalCluster) -> None:
    cluster.reset()
    assert cluster.layout is None
    assert not cluster.home.exists()


def test_missing_maven_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JarFetchError, match=r"Maven .* apt-get install maven"):
        fetch_jars(tmp_path / "cache")
