"""The aggregation agents in a real worker over a replayed generated year: the monthly
aggregates per district × industry on ``hub.aggregates`` equal the ground truth exactly (each
accident once, however many departments reported it; late recognitions in their own month)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from injuryhub.worker_process import running_worker
from streams.clients import latest_per_key, read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
ZONE = ZoneInfo("Asia/Shanghai")
#: what the aggregation agents compute of the truth's metrics (insured comes from headcounts)
CHECKED = (
    "accidents", "accident_reports", "deaths", "serious_injuries", "injury_applications",
    "recognised_injuries", "od_diagnoses", "pneumoconiosis", "hazards_found",
    "hazards_rectified_on_time", "training_completions",
)  # fmt: skip


def _cli(*arguments: str, bootstrap: str) -> None:
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": bootstrap}
    done = subprocess.run(
        [sys.executable, "-m", "injuryhub", *arguments],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _expected(truth: dict[str, Any]) -> dict[str, dict[str, float]]:
    cells = truth["aggregates_by_month_district_industry"]["cells"]
    expected = {}
    for key, metrics in cells.items():
        kept = {name: float(value) for name, value in metrics.items() if name in CHECKED}
        if kept:
            expected[key] = kept
    return expected


def _monthly(bootstrap: str, topic: str) -> dict[str, dict[str, float]]:
    try:
        records = asyncio.run(read_to_end(bootstrap, topic))
    except LookupError:
        return {}
    monthly = {}
    for value in latest_per_key(records).values():
        _, snapshot = decode(REGISTRY, value or b"")
        if snapshot["window"] != "MONTH":
            continue
        month = snapshot["window_start"].astimezone(ZONE).strftime("%Y-%m")  # local 1st, 00:00
        kept = {n: v for n, v in snapshot["metrics"].items() if n in CHECKED and v}
        if kept:
            monthly[f"{month}|{snapshot['district']}|{snapshot['industry']}"] = kept
    return monthly


def test_replayed_year_aggregates_equal_the_ground_truth(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    folder = tmp_path / "year"
    _cli("generate", "--out", str(folder), "--year", "2025", "--seed", "5", "--scale", "0.02",
         bootstrap=kafka_bootstrap)  # fmt: skip
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    expected = _expected(truth)
    assert truth["accidents"]["distinct"] < truth["accidents"]["reports"]  # linked reports exist
    prefix = unique("agg") + "."
    _cli("replay", str(folder), "--topic-prefix", prefix, bootstrap=kafka_bootstrap)

    env = {"INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "INJURYHUB_STATE_DIR": str(tmp_path)}
    args = ["--app-id", unique("agg-app"), "--topic-prefix", prefix,
            "--intake-source", prefix + "dept.emergency.accident-report.v1",
            "--intake-result", prefix + "hub.intake-counts"]  # fmt: skip
    log = tmp_path / "worker.log"
    topic = prefix + "hub.aggregates"
    began = time.monotonic()
    monthly: dict[str, dict[str, float]] = {}
    with running_worker(args, log, env) as worker:
        while time.monotonic() - began < 300:
            monthly = _monthly(kafka_bootstrap, topic)
            if monthly == expected:
                break
            assert worker.poll() is None, log.read_text()[-4000:]
            time.sleep(2)
    assert monthly == expected, log.read_text()[-4000:]


def _snapshot_count(bootstrap: str, topic: str) -> int:
    try:
        return len(asyncio.run(read_to_end(bootstrap, topic)))
    except LookupError:
        return 0


def test_worker_killed_three_times_ends_with_the_same_aggregates(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """SIGKILL mid-stream at three points, restart each time: the aggregates equal the truth,
    as an uninterrupted run's do (the test above)."""
    folder = tmp_path / "year"
    _cli("generate", "--out", str(folder), "--year", "2025", "--seed", "6", "--scale", "0.05",
         bootstrap=kafka_bootstrap)  # fmt: skip
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    expected = _expected(truth)
    prefix = unique("aggkill") + "."
    _cli("replay", str(folder), "--topic-prefix", prefix, bootstrap=kafka_bootstrap)
    topic = prefix + "hub.aggregates"
    command = [sys.executable, "-m", "injuryhub", "worker", "--app-id", unique("aggkill-app"),
               "--topic-prefix", prefix,
               "--intake-source", prefix + "dept.emergency.accident-report.v1",
               "--intake-result", prefix + "hub.intake-counts"]  # fmt: skip
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "INJURYHUB_STATE_DIR": str(tmp_path)}  # fmt: skip
    log = tmp_path / "worker.log"
    for kill_at in (300, 2_000, 5_000):
        with log.open("ab") as out:
            worker = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 180
        while _snapshot_count(kafka_bootstrap, topic) < kill_at:
            assert worker.poll() is None, log.read_text()[-4000:]
            assert time.monotonic() < deadline, f"never reached {kill_at} snapshots"
            time.sleep(0.2)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        assert _monthly(kafka_bootstrap, topic) != expected, "killed too late to prove anything"
    args = command[command.index("worker") + 1 :]
    settings_env = {k: env[k] for k in ("INJURYHUB_BOOTSTRAP_SERVERS", "INJURYHUB_STATE_DIR")}
    with running_worker(args, log, settings_env) as worker:
        began = time.monotonic()
        monthly: dict[str, dict[str, float]] = {}
        while time.monotonic() - began < 300:
            monthly = _monthly(kafka_bootstrap, topic)
            if monthly == expected:
                break
            assert worker.poll() is None, log.read_text()[-4000:]
            time.sleep(1)
    assert monthly == expected, log.read_text()[-4000:]
