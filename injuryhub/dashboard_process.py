"""The dashboard as a background process of its own (what `make demo` leaves running, like the
broker): started detached with its pid in the state folder, stopped by `make stop`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from streams.settings import HubSettings

START_TIMEOUT_S = 60.0


def pid_file(settings: HubSettings) -> Path:
    return settings.state_dir / "dashboard.pid"


def stop_dashboard(settings: HubSettings, timeout_s: float = 20.0) -> bool:
    """Stops a background dashboard if one runs; whether one did. (It holds the thematic
    database: nothing else may write it meanwhile.)"""
    path = pid_file(settings)
    if not path.exists():
        return False
    pid = int(path.read_text().strip() or 0)
    path.unlink()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return True


def start_dashboard(settings: HubSettings, port: int, prefix: str = "",
                    env: dict[str, str] | None = None) -> str:  # fmt: skip
    """Starts ``injuryhub dashboard`` detached (log in the state folder, ``env`` added to its
    environment); its address once it answers. Raises TimeoutError with the log's tail if it
    does not."""
    log_path = settings.state_dir / "dashboard.log"
    command = [sys.executable, "-m", "injuryhub", "dashboard", "--port", str(port)]
    if prefix:
        command += ["--topic-prefix", prefix]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, **(env or {})})  # fmt: skip
    pid_file(settings).write_text(str(process.pid))
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            httpx.get(url + "healthz", timeout=2)
            return url
        except httpx.TransportError:
            time.sleep(0.3)
    tail = log_path.read_text(errors="replace")[-2000:]
    raise TimeoutError(f"the dashboard did not answer on {url} within {START_TIMEOUT_S:.0f} s:\n"
                       f"{tail}")  # fmt: skip
