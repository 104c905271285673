"""Helpers for integration tests that run the hub end to end on a real broker: a generated year
replayed under a fresh topic prefix, topics read back, the monthly aggregates as published."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.aggregation.reconcile import MonthlyCells, monthly_from_snapshots
from streams.clients import latest_per_key, read_to_end
from streams.contracts.registry import load_registry
from streams.kafka_auth import NO_AUTH, KafkaAuth
from streams.settings import HubSettings
from tests.support import unique

REGISTRY = load_registry(HubSettings().schemas_path)


def run_cli(*arguments: str, bootstrap: str, env: dict[str, str] | None = None) -> None:
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": bootstrap, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "injuryhub", *arguments],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@dataclass(frozen=True)
class Year:
    truth: dict[str, Any]
    prefix: str


def replayed_year(
    bootstrap: str,
    folder: Path,
    seed: int,
    scale: float,
    name: str,
    env: dict[str, str] | None = None,
    prefixed: bool = True,
) -> Year:
    """A generated year replayed onto topics under a fresh prefix (or none: a cluster of the
    test's own), with its ground truth; ``env``: the replaying process's (a login)."""
    run_cli("generate", "--out", str(folder), "--year", "2025", "--seed", str(seed), "--scale",
            str(scale), bootstrap=bootstrap)  # fmt: skip
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    prefix = unique(name) + "." if prefixed else ""
    run_cli("replay", str(folder), "--topic-prefix", prefix, bootstrap=bootstrap, env=env)
    return Year(truth, prefix)


def read_topic(bootstrap: str, topic: str, auth: KafkaAuth = NO_AUTH) -> list[Any]:
    """Every committed message of ``topic`` (none if it does not exist yet). Read on a thread of
    its own: the caller's thread may be running an event loop (Playwright's sync API does)."""
    with ThreadPoolExecutor(1) as pool:
        try:
            return pool.submit(asyncio.run, read_to_end(bootstrap, topic, auth=auth)).result()
        except LookupError:
            return []


def monthly_cells(bootstrap: str, topic: str, auth: KafkaAuth = NO_AUTH) -> MonthlyCells:
    """The monthly district × industry aggregates as ``topic`` (hub.aggregates) holds them."""
    snapshots = latest_per_key(read_topic(bootstrap, topic, auth)).values()
    return monthly_from_snapshots(REGISTRY, snapshots)
