"""A real PostgreSQL server on loopback for the SQL-polling tests: initdb into a fresh folder,
start on a free port, stop at the end. PostgreSQL refuses to run as root, so as root (CI) it runs
as the `postgres` user that Debian's package creates."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support import free_port_runs


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if found is None:
        raise RuntimeError(
            f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)"
        )
    return found


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a libpq connection string for database `postgres`, user `hub`, trust auth."""
    folder = Path(tempfile.mkdtemp(prefix="injuryhub-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    (port,) = free_port_runs(1, runs=1)
    data = folder / "data"
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(
        _as_server_user(
            [_binary("initdb"), "-D", str(data), "-U", "hub", "--auth=trust", "-E", "UTF8"]
        ),
        **run,  # type: ignore[call-overload]
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = _binary("pg_ctl")
    subprocess.run(
        _as_server_user(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
        ),
        **run,  # type: ignore[call-overload]
    )
    try:
        yield f"host=127.0.0.1 port={port} user=hub dbname=postgres"
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False, capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
