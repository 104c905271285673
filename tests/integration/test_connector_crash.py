"""A connector killed with SIGKILL at three points and restarted ends with the same topics as an
uninterrupted run: every source record exactly once, no gap, no duplicate (read_committed). The
killed runs hand their evaluation to a second process early (connectors/offload.py), so the kills
land while it holds records in flight; the steady run forks at the default point."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from connectors.checkpoints import KafkaCheckpoints
from streams.clients import read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import children_of, connector_topics, process_gone

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
ROWS = 3000
HEADER = (
    "事故编号,事故发生时间,报告时间,统一社会信用代码,行政区划代码,行业代码,事故类别,"
    "死亡人数,重伤人数,轻伤人数,受害人数,直接经济损失(万元),事故等级,事故简况"
)


def _write_csv(path: Path) -> None:
    rows = [HEADER]
    for n in range(ROWS):
        day = n % 28 + 1
        uscc = "91350100M000100Y44" if n % 50 == 7 else "91350100M000100Y43"  # 60 bad rows
        rows.append(
            f"SG-K-{n},2025-02-{day:02d} 09:30,2025-02-{day:02d} 11:00,{uscc},370211,C3311,"
            "高处坠落,0,1,0,1,12.5,一般事故,坠落"
        )
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))


class Run:
    def __init__(
        self, bootstrap: str, csv: Path, topics: dict[str, str], name: str, **env: str
    ) -> None:
        self.command = [
            sys.executable, "-m", "injuryhub", "connect", "emergency.accident-report",
            "--file", str(csv), "--name", name, "--checkpoint-every", "40",
            "--topic", topics["events"], "--dead-letter-topic", topics["dlq"],
            "--checkpoint-topic", topics["checkpoints"],
        ]  # fmt: skip
        self.env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": bootstrap, **env}

    def complete(self) -> str:
        done = subprocess.run(
            self.command, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def kill_after(self, checkpoints: KafkaCheckpoints, name: str, source: str, at: int) -> int:
        """Start, SIGKILL once the committed checkpoint passes ``at``; return what it had read."""
        process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                read = checkpoints.load(name, source).read
                if read >= at:
                    evaluations = children_of(process.pid)
                    process.send_signal(signal.SIGKILL)
                    assert evaluations, "the run had not handed its evaluation over yet"
                    _wait_until_gone(evaluations)
                    return read
                assert process.poll() is None, "the connector finished before the kill point"
                time.sleep(0.05)
            pytest.fail(f"the checkpoint never reached {at}")
        finally:
            process.kill()
            process.wait()


def _wait_until_gone(pids: list[int]) -> None:
    """A killed connector's evaluation process must not outlive it."""
    deadline = time.monotonic() + 10
    while not all(map(process_gone, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(map(process_gone, pids)), f"{pids} outlived their connector"


def _contents(bootstrap: str, topic: str) -> Counter[str]:
    records = asyncio.run(read_to_end(bootstrap, topic))
    return Counter(
        decode(REGISTRY, r.value or b"")[1]["envelope"]["source_position"] for r in records
    )


def test_sigkill_at_three_points_then_restart_equals_an_uninterrupted_run(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    csv = tmp_path / "accidents.csv"
    _write_csv(csv)

    steady_topics = connector_topics(kafka_bootstrap, "emergency")
    Run(kafka_bootstrap, csv, steady_topics, "steady").complete()

    crash_topics = connector_topics(kafka_bootstrap, "emergency")
    crashing = Run(
        kafka_bootstrap, csv, crash_topics, "crashing", INJURYHUB_CONNECTOR_OFFLOAD_AFTER="100"
    )
    checkpoints = KafkaCheckpoints(kafka_bootstrap, crash_topics["checkpoints"])
    kill_points = [
        crashing.kill_after(checkpoints, "crashing", csv.name, at) for at in (400, 1300, 2200)
    ]
    assert kill_points == sorted(kill_points) and kill_points[-1] < ROWS
    crashing.complete()

    for role in ("events", "dlq"):
        steady = _contents(kafka_bootstrap, steady_topics[role])
        crashed = _contents(kafka_bootstrap, crash_topics[role])
        assert set(crashed.values()) == {1}, f"duplicates in {role}"
        assert crashed == steady
    assert sum(_contents(kafka_bootstrap, crash_topics["events"]).values()) == ROWS - 60
    final = checkpoints.load("crashing", csv.name)
    assert (final.read, final.published, final.rejected) == (ROWS, ROWS - 60, 60)

    report = subprocess.run(
        [sys.executable, "-m", "injuryhub", "connectors", "report", "--checkpoint-topic",
         crash_topics["checkpoints"]],
        env={**crashing.env, "COLUMNS": "200"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert report.returncode == 0, report.stdout + report.stderr
    row = r"crashing\s+│\s+accidents\.csv\s+│\s+3,000\s+│\s+2,940\s+│\s+60\s+│\s+yes"
    assert re.search(row, report.stdout), report.stdout
