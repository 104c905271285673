"""A real PostgreSQL on loopback: accident reports polled by `injuryhub connect` (incremental by
the integer key, exactly the new rows on the second poll), and the synthetic year's hrss database
replayed from it (recognitions by updated-at, a changed row published again as a new version)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from streams.clients import read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import connector_topics, unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
ZONE = ZoneInfo("Asia/Shanghai")
COLUMNS = (
    "事故编号, 事故发生时间, 报告时间, 统一社会信用代码, 行政区划代码, 行业代码, 事故类别, "
    '死亡人数, 重伤人数, 轻伤人数, 受害人数, "直接经济损失(万元)", 事故等级, 事故简况'
)


def _insert(dsn: str, table: str, numbers: range) -> None:
    rows = [
        (f"SG-PG-{n}", "2025-05-01 08:00", "2025-05-01 09:00", "91350100M000100Y43", "370212",
         "E4710", "坍塌" if n % 2 else "09", 0, 0, 2, 2, 3.5, "一般事故", "基坑局部坍塌")
        for n in numbers
    ]  # fmt: skip
    with psycopg.connect(dsn) as connection:
        connection.execute(
            f'CREATE TABLE IF NOT EXISTS "{table}" (id BIGSERIAL PRIMARY KEY, 事故编号 TEXT, '
            "事故发生时间 TEXT, 报告时间 TEXT, 统一社会信用代码 TEXT, 行政区划代码 TEXT, "
            "行业代码 TEXT, 事故类别 TEXT, 死亡人数 INT, 重伤人数 INT, 轻伤人数 INT, 受害人数 INT, "
            '"直接经济损失(万元)" NUMERIC, 事故等级 TEXT, 事故简况 TEXT)'
        )
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * 14)
            cursor.executemany(
                f'INSERT INTO "{table}" ({COLUMNS}) VALUES ({placeholders})',
                rows,
            )


def test_postgres_table_is_polled_incrementally(kafka_bootstrap: str, postgres_dsn: str) -> None:
    table = f"事故_{unique('t').replace('-', '_')}"
    topics = connector_topics(kafka_bootstrap, "emergency")
    _insert(postgres_dsn, table, range(1, 21))
    command = [
        sys.executable, "-m", "injuryhub", "connect", "emergency.accident-report",
        "--postgres", postgres_dsn, "--table", table, "--key", "id",
        "--topic", topics["events"], "--dead-letter-topic", topics["dlq"],
        "--checkpoint-topic", topics["checkpoints"], "--checkpoint-every", "7",
    ]  # fmt: skip
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "COLUMNS": "200"}
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    _insert(postgres_dsn, table, range(21, 26))
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr

    events = asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))
    decoded = [decode(REGISTRY, m.value or b"")[1] for m in events]
    assert sorted(e["accident_id"] for e in decoded) == sorted(f"SG-PG-{n}" for n in range(1, 26))
    assert {e["accident_type"] for e in decoded} == {"09", "10"}  # code and 坍塌 both accepted
    assert {e["direct_loss_wan_cny"] for e in decoded} == {3.5}  # NUMERIC arrives as Decimal
    assert asyncio.run(read_to_end(kafka_bootstrap, topics["dlq"])) == []


def _cli(*arguments: str, bootstrap: str) -> str:
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": bootstrap, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "injuryhub", *arguments],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _recognitions(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    records = asyncio.run(read_to_end(bootstrap, topic))
    return [decode(REGISTRY, record.value or b"")[1] for record in records]


def test_generated_hrss_database_replays_from_postgres_and_a_changed_row_comes_again(
    kafka_bootstrap: str, postgres_dsn: str, tmp_path: Path
) -> None:
    """The synthetic year's SQL seed runs on PostgreSQL; `replay --postgres` polls it (the
    recognitions by updated-at), and a decision changed later is published as a new version."""
    database = unique("year").replace("-", "_")
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    dsn = make_conninfo(postgres_dsn, dbname=database)
    folder = tmp_path / "year"
    _cli("generate", "--out", str(folder), "--year", "2025", "--seed", "3", "--scale", "0.01",
         bootstrap=kafka_bootstrap)  # fmt: skip
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    prefix = unique("pg") + "."
    output = _cli("replay", str(folder), "--postgres", dsn, "--topic-prefix", prefix,
                  bootstrap=kafka_bootstrap)  # fmt: skip
    assert "every connector matches the ground truth" in output
    topic = prefix + "dept.hrss.injury-recognition.v1"
    before = _recognitions(kafka_bootstrap, topic)
    assert len(before) == truth["topics"]["dept.hrss.injury-recognition.v1"]

    with psycopg.connect(dsn) as connection:
        row = connection.execute(
            'SELECT id, "申请编号" FROM "工伤认定" WHERE "认定结论" = %s ORDER BY id LIMIT 1',
            ("认定工伤",),
        ).fetchone()
        assert row is not None
        connection.execute(
            'UPDATE "工伤认定" SET "认定结论" = %s, "法律依据" = %s, "更新时间" = %s WHERE id = %s',
            # as the department's system does: the change is stamped now, after every earlier one
            ("视同工伤", "art15.1", datetime.now(ZONE).strftime("%Y-%m-%d %H:%M:%S"), row[0]),
        )
    _cli("connect", "hrss.injury-recognition", "--postgres", dsn, "--table", "工伤认定",
         "--updated-column", "更新时间", "--topic", topic,
         "--dead-letter-topic", prefix + "hub.dlq.hrss",
         "--checkpoint-topic", prefix + "hub.connector-checkpoints",
         bootstrap=kafka_bootstrap)  # fmt: skip
    after = _recognitions(kafka_bootstrap, topic)
    assert len(after) == len(before) + 1
    versions = [event for event in after if event["application_no"] == row[1]]
    assert [event["decision"] for event in versions] == ["RECOGNISED", "DEEMED"]
    assert len({event["envelope"]["event_id"] for event in after}) == len(after)
