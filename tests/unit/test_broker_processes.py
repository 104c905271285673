"""The launcher's process bookkeeping, with stand-in processes instead of Kafka (no broker)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.broker.cluster import LocalCluster
from streams.broker.errors import BrokerError
from streams.broker.jars import JarFetchError, fetch_jars
from streams.broker.layout import ClusterLayout, new_cluster_id
from streams.broker.processes import find_node_pid
from tests.support import local_settings


@pytest.fixture
def cluster(tmp_path: Path) -> LocalCluster:
    settings = local_settings(tmp_path, nodes=2)
    layout = ClusterLayout(
        settings.state_dir.resolve() / "broker",
        2,
        settings.broker_port,
        settings.controller_port,
        new_cluster_id(),
        "4.1.1",
    )
    layout.save()
    for node in layout.nodes:  # as after a first start: formatted, so its data is worth keeping
        node.data_dir.mkdir(parents=True)
        (node.data_dir / "meta.properties").write_text("cluster.id=test\n")
    # No java: should a test wrongly get as far as starting a node, it fails instead of starting.
    return LocalCluster(settings, java=str(tmp_path / "no-java-here"))


@pytest.fixture
def stand_in_node(cluster: LocalCluster) -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line looks like node 1's broker, as `ps` would show it."""
    assert cluster.layout is not None
    config = cluster.layout.nodes[0].config_path
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "kafka.Kafka", str(config)]
    )
    cluster.layout.nodes[0].pid_path.write_text(f"{process.pid}\n")  # as spawn_node does
    # Until the child has exec'd: before, /proc shows the parent's command line (a busy machine
    # made the tests below look for the node in that moment).
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"kafka.Kafka" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)
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
    taken = cluster.settings.controller_port + 1  # node 2's controller port
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        with pytest.raises(
            BrokerError, match=rf"port {taken} for node 2 .*INJURYHUB_CONTROLLER_PORT"
        ):
            cluster.start()


def test_a_never_formatted_layout_may_change_shape(tmp_path: Path) -> None:
    settings = local_settings(tmp_path, nodes=3)
    cluster = LocalCluster(settings, java=str(tmp_path / "no-java-here"))
    ClusterLayout(cluster.home, 2, 1111, 2222, new_cluster_id(), "4.1.1").save()
    with pytest.raises(BrokerError, match="needs Java 17 or newer"):
        cluster.start(nodes=3)
    assert cluster.layout is not None
    assert (cluster.layout.node_count, cluster.layout.broker_port) == (3, settings.broker_port)


def test_reset_deletes_the_cluster_state(cluster: LocalCluster) -> None:
    cluster.reset()
    assert cluster.layout is None
    assert not cluster.home.exists()


def test_missing_maven_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JarFetchError, match=r"Maven .* apt-get install maven"):
        fetch_jars(tmp_path / "cache")
