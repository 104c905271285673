"""Find, start and signal the local Kafka node processes.

A node is recognised by its command line (``kafka.Kafka <its server.properties>``), not by its pid
file alone: after a crash or a reboot a pid file can name a dead process or, worse, a stranger
that got the same pid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from streams.broker.errors import BrokerError
from streams.broker.jars import KafkaJars
from streams.broker.layout import LISTENER_HOST, NodeSpec

KAFKA_MAIN_CLASS = "kafka.Kafka"
LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")
_PROC = Path("/proc")
#: Nodes started by this very process (the test suite does that). Holding on to them keeps
#: Python from warning that a child is still running, and lets `terminate` reap them.
_OUR_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def find_node_pid(node: NodeSpec) -> int | None:
    """The pid of the live java process serving ``node``, if there is one."""
    wanted = str(node.config_path)
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and _serves(int(entry.name), wanted):
            return int(entry.name)
    return _recorded_pid_if_starting(node)


def _command_line(pid: int) -> list[str] | None:
    try:
        args = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:  # the process ended while we looked
        return None
    return [arg.decode(errors="replace") for arg in args.split(b"\0") if arg]


def _serves(pid: int, config: str) -> bool:
    args = _command_line(pid)
    if not args:
        return False
    return KAFKA_MAIN_CLASS in args and config in args and is_alive(pid)


def _recorded_pid_if_starting(node: NodeSpec) -> int | None:
    """Right after exec, a process's command line can read as empty for a moment; then trust
    the pid file, but only for a live process that shows no command line yet."""
    try:
        pid = int(node.pid_path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    if _command_line(pid) == [] and is_alive(pid):
        return pid
    return None


def is_alive(pid: int) -> bool:
    child = _OUR_CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        status = dict(
            line.split(":\t", 1)
            for line in (_PROC / str(pid) / "status").read_text().splitlines()
            if ":\t" in line
        )
    except OSError:
        return False
    # A JVM's main thread can end before its shutdown threads do: the process then shows as a
    # zombie while it still runs. It has exited only when no thread is left but the leader.
    return not status.get("State", "").startswith("Z") or int(status.get("Threads", "1")) > 1


def exit_code(pid: int) -> int | None:
    """How a node this process started ended (negative: the signal), or None while it runs."""
    child = _OUR_CHILDREN.get(pid)
    if child is None:
        return None if is_alive(pid) else -1
    return child.poll()


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LISTENER_HOST, port))
        except OSError:
            return True
    return False


def format_storage(
    node: NodeSpec, jars: KafkaJars, cluster_id: str, java: str, extra: list[str] | None = None
) -> None:
    """Write the KRaft metadata for a new node (``kafka-storage.sh format``); ``extra``: more
    options (the super users' SCRAM credentials of a sasl cluster)."""
    command = [
        java,
        "-cp",
        jars.classpath,
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "kafka.tools.StorageTool",
        "format",
        "--cluster-id",
        cluster_id,
        "--config",
        str(node.config_path),
        "--ignore-formatted",
        *(extra or []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        # The tool logs at INFO before it fails; what matters is what it says last.
        reasons = [line for line in output if " INFO " not in line][-10:]
        raise BrokerError(
            f"formatting node {node.node_id} storage in {node.data_dir} failed "
            f"(exit {result.returncode}):\n" + "\n".join(reasons)
        )


def spawn_node(node: NodeSpec, jars: KafkaJars, java: str, heap: str) -> int:
    """Start one node in its own session (so it outlives this CLI) and record its pid."""
    command = [
        java,
        f"-Xmx{heap}",
        f"-Xms{heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        f"-Dkafka.logs.dir={node.home}",
        "-cp",
        jars.classpath,
        KAFKA_MAIN_CLASS,
        str(node.config_path),
    ]
    with node.log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _OUR_CHILDREN[process.pid] = process
    node.pid_path.write_text(f"{process.pid}\n", encoding="utf-8")
    return process.pid


def terminate(pids: list[int], timeout: float) -> list[int]:
    """SIGTERM the pids, wait for a clean shutdown, SIGKILL what is left; return those killed."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(is_alive(pid) for pid in pids):
        _reap(pids)
        time.sleep(0.1)
    killed = [pid for pid in pids if is_alive(pid)]
    for pid in killed:
        _signal(pid, signal.SIGKILL)
    while any(is_alive(pid) for pid in killed):
        _reap(killed)
        time.sleep(0.05)
    _reap(pids)
    return killed


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
        os.kill(pid, signum)


def _reap(pids: list[int]) -> None:
    """Collect the exit status of nodes this very process started, so none stays a zombie."""
    for pid in pids:
        child = _OUR_CHILDREN.get(pid)
        if child is not None and child.poll() is not None:
            del _OUR_CHILDREN[pid]
