"""A run that hands its evaluation to a forked process (connectors/offload.py) publishes exactly
what one process would: the same events and dead letters, in the same order, with duplicates
found across the fork; a failing or killed child stops the run with a clear error and leaves no
process behind. Broker-free: an in-memory transactional log stands in for Kafka."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors import offload
from connectors.offload import EvaluationFailed
from connectors.sources.base import SourceRecord
from tests.in_memory_transactions import (
    ROW,
    CommittedLog,
    TransactionalProducer,
    accident_connector,
    accidents_csv,
)
from tests.support import REPO_ROOT, process_gone

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def _lines() -> list[str]:
    """Good reports with, on both sides of an early fork: exact repeats, a repeated number with
    other content, a bad credit code and a garbled cell."""
    lines = [ROW.format(n=n) for n in range(40)]
    lines.insert(12, ROW.format(n=2))  # repeats a record the parent evaluated
    lines.insert(30, ROW.format(n=25))  # repeats one the child evaluated
    lines.insert(33, ROW.format(n=3).replace("脚手架坠落", "另一起"))
    lines[20] = lines[20].replace("91350100M000100Y43", "91350100M000100Y44")
    lines[36] = lines[36].replace("高处坠落", "楂樺绘")
    return lines


def _published(tmp_path: Path, offload_after: int | None) -> list[tuple[str, bytes, bytes]]:
    log = CommittedLog()
    connector = accident_connector(
        log, TransactionalProducer(log), None, offload_after, lambda: NOW
    )
    report = connector.run(accidents_csv(tmp_path, _lines()))
    assert report.reconciles and report.totals.read == 43
    assert multiprocessing.active_children() == []
    return log.messages


@pytest.mark.parametrize("offload_after", [0, 5, 29])
def test_an_offloaded_run_publishes_what_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offload_after: int
) -> None:
    monkeypatch.setattr(offload, "CHUNK", 4)  # many chunks, several in flight
    alone = _published(tmp_path, None)
    rejected = [message for message in alone if message[0] == "dead"]
    assert len(rejected) == 5  # two repeats, one conflict, the credit code, the garbled cell
    assert _published(tmp_path, offload_after) == alone


def test_a_stuck_commit_during_an_offloaded_run_is_taken_over_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offload, "CHUNK", 4)
    log = CommittedLog()
    stuck = TransactionalProducer(log, stuck_at_commit=3)
    fresh: list[TransactionalProducer] = []

    def renew() -> TransactionalProducer:
        fresh.append(TransactionalProducer(log))
        return fresh[-1]

    report = accident_connector(log, stuck, renew, offload_after=5).run(accidents_csv(tmp_path, 45))
    assert len(fresh) == 1
    assert len(log.events()) == 45 == len(set(log.events()))
    assert report.totals.read == report.totals.published == 45
    assert multiprocessing.active_children() == []


def _failing_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, position: str, failure: str
) -> tuple[CommittedLog, str]:
    """A run whose evaluation raises, or is killed, at ``position``, in chunks of 4."""
    monkeypatch.setattr(offload, "CHUNK", 4)
    log = CommittedLog()
    connector = accident_connector(log, TransactionalProducer(log), None, offload_after=5)
    evaluate = connector.evaluator.evaluate

    def evaluate_or_fail(record: SourceRecord) -> dict[str, Any] | list[str]:
        if record.position.endswith(f":{position}"):
            if failure == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError(f"resident 110101199003077777 in {record.raw}")
        return evaluate(record)

    connector.evaluator.evaluate = evaluate_or_fail  # type: ignore[method-assign]
    with pytest.raises(EvaluationFailed) as failed:
        connector.run(accidents_csv(tmp_path, 45))
    assert multiprocessing.active_children() == []
    return log, str(failed.value)


def test_an_evaluation_that_raises_stops_the_run_and_names_only_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, message = _failing_at(tmp_path, monkeypatch, "25", "raise")
    assert message.startswith("the evaluation raised ValueError at ")
    assert "test_connector_offload.py:" in message
    assert "110101199003077777" not in message and "SG-" not in message
    assert len(log.events()) == 20  # the transactions committed before the failing chunk


def test_a_killed_evaluation_process_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, message = _failing_at(tmp_path, monkeypatch, "25", "kill")
    assert message == f"the evaluation process ended (exit code -{signal.SIGKILL})"
    # Answers the child had not yet written die with it: whole transactions are committed, up
    # to the failing chunk, and the checkpoint says how far, so a rerun resumes exactly.
    committed = log.load("accidents", "accidents.csv")
    assert len(log.events()) == committed.read == committed.published
    assert committed.read in (0, 10, 20)


ORPHAN = """
import os, sys, time
from connectors.offload import Encoded, EvaluationProcess
evaluation = EvaluationProcess(lambda record: Encoded(True, b"k", b"v" * 10_000), "orphan")
evaluation.__enter__()
evaluation._requests.put(list(range(100)))  # a megabyte of answers no one will read
print(evaluation._process.pid, flush=True)
time.sleep(0.5)
os._exit(0)
"""


def test_the_evaluation_process_ends_when_its_connector_is_gone() -> None:
    started = subprocess.run(
        [sys.executable, "-c", ORPHAN], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 0, started.stderr
    child = int(started.stdout)
    deadline = time.monotonic() + 10 * offload.POLL_S
    while not process_gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(child)
