"""`injuryhub connect --watch DIR`: files dropped into a folder (and a file that grows) are
published once each, while the connector keeps running; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.clients import read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import connector_topics

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
HEADER = (
    "事故编号,事故发生时间,报告时间,统一社会信用代码,行政区划代码,行业代码,事故类别,"
    "死亡人数,重伤人数,轻伤人数,受害人数,直接经济损失(万元),事故等级,事故简况"
)


def _rows(prefix: str, count: int, bad_at: int | None = None) -> str:
    rows = []
    for n in range(count):
        uscc = "91350100M000100Y44" if n == bad_at else "91350100M000100Y43"
        rows.append(
            f"{prefix}-{n},2025-05-{n % 28 + 1:02d} 09:30,2025-05-{n % 28 + 1:02d} 11:00,{uscc},"
            "370211,C3311,高处坠落,0,1,0,1,12.5,一般事故,坠落\n"
        )
    return "".join(rows)


def _drop(folder: Path, name: str, text: str) -> None:
    """As an export job should: write aside, then rename into place."""
    partial = folder / f".{name}.part"
    partial.write_bytes(text.encode("gbk"))
    partial.rename(folder / name)


def _wait(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, "the connector exited"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_watched_folder_publishes_each_new_and_grown_file_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = connector_topics(kafka_bootstrap, "emergency")
    drop = tmp_path / "drop"
    drop.mkdir()

    def events() -> list[str]:
        records = asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))
        return [decode(REGISTRY, r.value or b"")[1]["accident_id"] for r in records]

    def letters() -> int:
        return len(asyncio.run(read_to_end(kafka_bootstrap, topics["dlq"])))

    process = subprocess.Popen(
        [sys.executable, "-m", "injuryhub", "connect", "emergency.accident-report",
         "--watch", str(drop), "--every", "0.3", "--name", "drop-test",
         "--topic", topics["events"], "--dead-letter-topic", topics["dlq"],
         "--checkpoint-topic", topics["checkpoints"]],
        env={**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _drop(drop, "a.csv", HEADER + "\n" + _rows("A", 20, bad_at=4))
        _wait(lambda: len(events()) == 19 and letters() == 1, process)
        _drop(drop, "b.csv", HEADER + "\n" + _rows("B", 10))
        with (drop / "a.csv").open("ab") as grown:  # the day's export grows
            grown.write(_rows("A2", 5).encode("gbk"))
        _wait(lambda: len(events()) == 34, process)
        time.sleep(1.5)  # a few more polls: nothing may be published twice
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    text = output.decode()
    assert process.returncode == 0, text
    assert "Traceback" not in text
    published = events()
    assert len(published) == len(set(published)) == 34
    assert letters() == 1
    assert text.count("read = published + rejected: reconciles") == 2  # a.csv and b.csv
