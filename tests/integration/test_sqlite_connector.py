"""HRSS injury recognitions polled from a SQLite table by `injuryhub connect`: resident IDs are
pseudonymised (valid rows) or masked (rejected rows), and a second poll sends only new rows."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from streams.clients import read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import connector_topics

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
VALID_ID = "11010519491231002X"
BAD_ID = "110105194912310021"  # wrong check digit
COLUMNS = (
    "申请编号, 受伤时间, 申请日期, 身份证号码, 统一社会信用代码, 行政区划代码, 行业代码, 认定结论, "
    "法律依据, 认定日期"
)


def _insert(path: Path, rows: list[tuple[object, ...]]) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS 工伤认定 (id INTEGER PRIMARY KEY, 申请编号 TEXT, "
            "受伤时间 TEXT, 申请日期 TEXT, 身份证号码 TEXT, 统一社会信用代码 TEXT, "
            "行政区划代码 TEXT, 行业代码 TEXT, 认定结论 TEXT, 法律依据 TEXT, 认定日期 TEXT)"
        )
        connection.executemany(
            f"INSERT INTO 工伤认定 ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", rows
        )


def _row(n: int, resident_id: str = VALID_ID) -> tuple[object, ...]:
    return (f"GS-{n}", "2025-03-14 09:30", "2025-03-20", resident_id, "91350100M000100Y43",
            "370211", "C3311", "认定工伤", "art14.1", "2025-04-30")  # fmt: skip


def test_sqlite_table_is_polled_pseudonymised_and_resumed(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = connector_topics(kafka_bootstrap, "hrss")
    database = tmp_path / "hrss.db"
    _insert(database, [_row(1), _row(2), _row(3, BAD_ID)])
    command = [
        sys.executable, "-m", "injuryhub", "connect", "hrss.injury-recognition",
        "--file", str(database), "--table", "工伤认定", "--key", "id",
        "--topic", topics["events"], "--dead-letter-topic", topics["dlq"],
        "--checkpoint-topic", topics["checkpoints"],
    ]  # fmt: skip
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "COLUMNS": "200"}

    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    _insert(database, [_row(4)])
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "reconciles" in second.stdout

    events = asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))
    letters = asyncio.run(read_to_end(kafka_bootstrap, topics["dlq"]))
    decoded = sorted(decode(REGISTRY, m.value or b"")[1]["application_no"] for m in events)
    assert decoded == ["GS-1", "GS-2", "GS-4"]
    (letter,) = [decode(REGISTRY, m.value or b"")[1] for m in letters]
    assert letter["position"] == "工伤认定#3"
    assert letter["reasons"] == [
        "身份证号码=[masked]: resident ID check digit does not match (GB 11643 ISO 7064 MOD 11-2)"
    ]
    on_the_wire = b"".join((m.key or b"") + (m.value or b"") for m in events + letters)
    for clear in (VALID_ID, BAD_ID, VALID_ID[:17], BAD_ID[:17]):
        assert clear.encode() not in on_the_wire
