"""The measured hub: one worker process of role ``all``, or its two halves (``aggregates`` and
``alerts``, injuryhub/hub_agents.py) side by side, each with its own log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ONE = ("all",)
HALVES = ("aggregates", "alerts")
LAYOUTS = {"one": ONE, "halves": HALVES}


def worker_command(prefix: str, app_id: str) -> list[str]:
    """`injuryhub worker` on ``prefix``'s topics (the role is added per process)."""
    return [sys.executable, "-m", "injuryhub", "worker", "--loglevel", "info",
            "--app-id", app_id, "--topic-prefix", prefix,
            "--intake-source", prefix + "dept.emergency.accident-report.v1",
            "--intake-result", prefix + "hub.intake-counts"]  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used so far (Linux /proc): the worker's
    figure that the other processes on this 2-core machine disturb least."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """VmHWM of a running process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmHWM for process {pid}")


@dataclass
class Workers:
    """Worker processes of ``roles`` on one command; ``start`` again after a stop restarts them
    (their logs grow: each start adds one "Ready" per process)."""

    command: list[str]
    env: dict[str, str]
    logs_dir: Path
    roles: tuple[str, ...] = ONE
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def log(self, role: str) -> Path:
        return self.logs_dir / f"worker-{role}.log"

    def start(self) -> None:
        self.processes = []
        for role in self.roles:
            with self.log(role).open("ab") as out:
                self.processes.append(subprocess.Popen(
                    [*self.command, "--role", role], env=self.env, stdout=out,
                    stderr=subprocess.STDOUT,
                ))  # fmt: skip

    def wait_ready(self, readies: int) -> None:
        """Until each log shows its ``readies``-th "Ready"."""
        for role in self.roles:
            log = self.log(role)
            while log.read_text(errors="replace").count("[^Worker]: Ready") < readies:
                self.check()
                time.sleep(0.1)

    def check(self) -> None:
        """SystemExit naming the log of a worker that has exited."""
        for role, process in zip(self.roles, self.processes, strict=True):
            if process.poll() is not None:
                raise SystemExit(f"the {role} worker exited; see {self.log(role)}")

    def cpu_seconds(self) -> dict[str, float]:
        pairs = zip(self.roles, self.processes, strict=True)
        return {role: cpu_seconds(process.pid) for role, process in pairs}

    def peak_rss_mib(self) -> dict[str, float]:
        return {
            role: peak_rss_mib(p.pid) for role, p in zip(self.roles, self.processes, strict=True)
        }

    def kill(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        """SIGTERM; SIGKILL for one stuck in its shutdown (it is measured no more)."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
