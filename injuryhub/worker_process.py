"""Run `injuryhub worker` as a child process: how the demo and the end-to-end tests drive a real
worker rather than an in-process test context."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from injuryhub.stacks import HEADER


@contextmanager
def running_worker(
    args: list[str], log_path: Path, env: Mapping[str, str] | None = None, stop_timeout: float = 30
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a worker, yield it, and stop it with SIGTERM (SIGKILL if it hangs) on the way out."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "injuryhub", "worker", *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def stacks_of(process: subprocess.Popen[bytes], log_path: Path, wait_s: float = 10) -> str:
    """What a running worker logs on SIGUSR1 (injuryhub/stacks.py), for a test that gives up on
    it: the log from that picture on, once the log has stopped growing for a second."""
    if process.poll() is not None:
        return "(the worker has ended: no stacks)"
    start = log_path.stat().st_size
    process.send_signal(signal.SIGUSR1)
    deadline, size = time.monotonic() + wait_s, -1
    while time.monotonic() < deadline:
        time.sleep(1)
        added = log_path.read_bytes()[start:].decode("utf-8", "replace")
        if HEADER in added and len(added) == size:
            return added[added.index(HEADER) :]
        size = len(added)
    return f"(no stacks logged within {wait_s:.0f} s of SIGUSR1)"
