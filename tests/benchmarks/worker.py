"""The hub's worker on a replayed year: events/s until its aggregates equal the ground truth, then
the restart-recovery time after a SIGKILL (start to Faust's "Ready": tables recovered from their
changelogs, partitions assigned).

Run: `make bench-worker` or `.venv/bin/python -m tests.benchmarks.worker --scale 0.05`. Prints
figures; asserts nothing. Uses INJURYHUB_BOOTSTRAP_SERVERS, or starts the local broker; writes to
fresh prefixed topics (deleted at the end) and keeps the worker's stores in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from agents.aggregation.reconcile import MonthlyCells, expected_monthly, monthly_cell
from streams.broker.cluster import LocalCluster
from streams.clients import read_to_end
from streams.contracts.registry import SchemaRegistry, load_registry
from streams.settings import HubSettings
from tests.benchmarks.topics import deleting_topics_named
from tests.benchmarks.workers import LAYOUTS, Workers, worker_command

POLL_S = 0.5
#: a month cell of a district × industry is keyed MONTH|label|district|industry (an
#: enterprise's has a fifth part)
MONTH_KEY_BARS = 3


class Snapshots:
    """The latest snapshot per key of hub.aggregates, read incrementally: re-reading the whole
    topic at every check would take the CPU the measured worker needs."""

    def __init__(self, bootstrap: str, registry: SchemaRegistry, prefix: str) -> None:
        self.registry = registry
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                      isolation_level="read_committed",
                                      auto_offset_reset="earliest")  # fmt: skip
        topic = prefix + "hub.aggregates"
        parts = self.consumer.partitions_for_topic(topic) or set()
        self.consumer.assign([TopicPartition(topic, p) for p in parts])
        self.cells: MonthlyCells = {}

    def monthly(self) -> object | None:
        """The monthly aggregates, or None if nothing arrived since the last call. Only the
        month cells of a district × industry are decoded (their keys say which), each as it
        arrives: decoding every cell's latest snapshot at each poll took half a core from the
        measured worker on a scale-1 year."""
        batches = self.consumer.poll(timeout_ms=200, max_records=100_000)
        for messages in batches.values():
            for message in messages:
                key = message.key or b""
                if not key.startswith(b"MONTH|") or key.count(b"|") != MONTH_KEY_BARS:
                    continue
                cell, kept = monthly_cell(self.registry, message.value)
                if kept:
                    self.cells[cell] = kept
                else:
                    self.cells.pop(cell, None)
        return dict(self.cells) if batches else None

    def wait_for(self, expected: object, workers: Workers, poll_s: float) -> None:
        """Until the monthly aggregates equal ``expected``; SystemExit if a worker exits."""
        while self.monthly() != expected:
            workers.check()
            time.sleep(poll_s)

    def close(self) -> None:
        self.consumer.close()


def _cli(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "injuryhub", *arguments], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05, help="the year replayed")
    parser.add_argument("--workers", choices=LAYOUTS, default="one",
                        help="one worker (role all), or the hub's two halves")  # fmt: skip
    args = parser.parse_args()
    settings = HubSettings()
    if not settings.bootstrap_servers:
        LocalCluster(settings).start()
    registry = load_registry(settings.schemas_path)
    prefix = f"bench-worker-{uuid.uuid4().hex[:8]}."
    app_id = f"bench-{uuid.uuid4().hex[:8]}"  # prefixes the worker's changelog topics
    with (
        tempfile.TemporaryDirectory() as temporary,
        deleting_topics_named(settings.bootstrap, prefix, app_id),
    ):
        root = Path(temporary)
        env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": settings.bootstrap,
               "INJURYHUB_STATE_DIR": str(root)}  # fmt: skip
        _cli(env, "generate", "--out", str(root / "year"), "--year", "2025", "--seed", "3",
             "--scale", str(args.scale))  # fmt: skip
        truth = json.loads((root / "year" / "ground_truth.json").read_text(encoding="utf-8"))
        _cli(env, "replay", str(root / "year"), "--topic-prefix", prefix)
        expected = expected_monthly(truth)
        events = sum(c["published"] for c in truth["connectors"].values())
        workers = Workers(worker_command(prefix, app_id), env, root, LAYOUTS[args.workers])

        began = time.perf_counter()
        workers.start()
        workers.wait_ready(1)
        ready_s = time.perf_counter() - began
        cpu_at_ready = workers.cpu_seconds()
        watched = Snapshots(settings.bootstrap, registry, prefix)
        try:
            watched.wait_for(expected, workers, POLL_S)
        finally:
            watched.close()
        caught_up_s = time.perf_counter() - began
        working_cpu = {role: s - cpu_at_ready[role] for role, s in workers.cpu_seconds().items()}
        working_cpu_s = sum(working_cpu.values())
        snapshots = len(asyncio.run(read_to_end(settings.bootstrap, prefix + "hub.aggregates")))
        workers.kill()
        restarted = time.perf_counter()
        workers.start()
        workers.wait_ready(2)
        recovery_s = time.perf_counter() - restarted
        workers.stop()
    working = caught_up_s - ready_s
    print(f"scale {args.scale:g}, workers: {' + '.join(workers.roles)}: {events:,} department "
          f"events, {snapshots:,} aggregate snapshots")  # fmt: skip
    print(f"  worker start to ready            {ready_s:6.1f} s")
    print(f"  ready to aggregates = truth      {working:6.1f} s  "
          f"{events / working:,.0f} events/s (within {POLL_S} s polling)")  # fmt: skip
    print(f"  workers' CPU meanwhile           {working_cpu_s:6.1f} s  "
          f"{working_cpu_s / events * 1e3:.2f} ms per event"
          + (f" ({', '.join(f'{r} {s:.1f} s' for r, s in working_cpu.items())})"
             if len(working_cpu) > 1 else ""))  # fmt: skip
    print(f"  restart after SIGKILL to ready   {recovery_s:6.1f} s (tables recovered)")


if __name__ == "__main__":
    main()
