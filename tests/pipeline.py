"""Helpers for integration tests that run the hub end to end on a real broker: a generated year
replayed under a fresh topic prefix, topics read back, the monthly aggregates as published."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agents.aggregation.reconcile import MonthlyCells, monthly_from_snapshots
from injuryhub.worker_process import stacks_of
from streams.clients import latest_per_key, read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.kafka_auth import NO_AUTH, KafkaAuth
from streams.settings import HubSettings
from tests.support import unique

REGISTRY = load_registry(HubSettings().schemas_path)


def run_cli(
    *arguments: str, bootstrap: str = "", env: dict[str, str] | None = None, timeout: float = 600
) -> str:
    """Run ``injuryhub`` to success and return what it printed."""
    brokers = {"INJURYHUB_BOOTSTRAP_SERVERS": bootstrap} if bootstrap else {}
    done = subprocess.run(
        [sys.executable, "-m", "injuryhub", *arguments],
        env={**os.environ, **brokers, **(env or {})}, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_on_worker(
    condition: Callable[[], object], worker: subprocess.Popen[bytes], log: Path, seconds: float
) -> None:
    """Until ``condition()``; fails with the worker's log if it ends, and with its log and
    stacks (SIGUSR1) if ``seconds`` pass first (and with how the last look differed, if the
    condition can say: ``AggregatesMatch``)."""
    wait_on_workers(condition, [(worker, log)], seconds)


def wait_on_workers(
    condition: Callable[[], object],
    workers: list[tuple[subprocess.Popen[bytes], Path]],
    seconds: float,
) -> None:
    """``wait_on_worker`` for workers that run side by side (each with its log)."""
    deadline = time.monotonic() + seconds
    while not condition():
        for worker, log in workers:
            assert worker.poll() is None, f"{log.name}:\n{log.read_text()[-4000:]}"
        if time.monotonic() > deadline:
            difference = getattr(condition, "difference", lambda: "")()
            pytest.fail(f"not so after {seconds:.0f} s; {difference}\n" + "\n".join(
                f"{log.name} ends:\n{log.read_text()[-4000:]}\n{stacks_of(worker, log)}"
                for worker, log in workers))  # fmt: skip
        time.sleep(1)


def generated_year(folder: Path, scale: float, seed: int) -> dict[str, Any]:
    """`injuryhub generate` of the year 2025; returns its ground truth."""
    run_cli("generate", "--out", str(folder), "--year", "2025", "--seed", str(seed),
            "--scale", str(scale))  # fmt: skip
    truth: dict[str, Any] = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    return truth


def published_topics(
    bootstrap: str, prefix: str, truth: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """Every topic of the ground truth, as decoded records (read_committed)."""

    async def read_all() -> dict[str, list[dict[str, Any]]]:
        found = {}
        for topic in truth["topics"]:
            records = await read_to_end(bootstrap, prefix + topic)
            found[topic] = [decode(REGISTRY, record.value or b"")[1] for record in records]
        return found

    return asyncio.run(read_all())


def assert_matches_truth(topics: dict[str, list[dict[str, Any]]], truth: dict[str, Any]) -> None:
    """As many events per topic as the truth says, none twice."""
    counts = {topic: len(records) for topic, records in topics.items()}
    assert counts == truth["topics"]
    for topic, records in topics.items():
        ids = [record["envelope"]["event_id"] for record in records]
        assert len(ids) == len(set(ids)), f"{topic} holds a duplicate event"


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
    truth = generated_year(folder, scale, seed)
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


def cells_difference(found: MonthlyCells, expected: MonthlyCells, shown: int = 12) -> str:
    """How ``found`` differs from ``expected``, cell by cell (the first ``shown`` cells): a stall
    leaves counts short, a message handled twice where it must not be leaves them high."""
    cells = sorted(set(found) | set(expected))
    differing = [cell for cell in cells if found.get(cell) != expected.get(cell)]
    lines = [f"{len(differing)} of {len(cells)} monthly cells differ (found / expected):"]
    for cell in differing[:shown]:
        have, want = found.get(cell, {}), expected.get(cell, {})
        metrics = sorted(m for m in set(have) | set(want) if have.get(m) != want.get(m))
        lines.append(f"  {cell}: " + ", ".join(
            f"{m} {have.get(m)} / {want.get(m)}" for m in metrics))  # fmt: skip
    return "\n".join(lines)


@dataclass
class AggregatesMatch:
    """A wait condition: ``topic``'s monthly cells equal ``expected``; ``difference()`` says how
    they differed at the last look (for the failure message)."""

    bootstrap: str
    topic: str
    expected: MonthlyCells
    last: MonthlyCells = field(default_factory=dict)

    def __call__(self) -> bool:
        self.last = monthly_cells(self.bootstrap, self.topic)
        return self.last == self.expected

    def difference(self) -> str:
        return cells_difference(self.last, self.expected)
