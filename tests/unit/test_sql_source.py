import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.sources.sql import sqlite_source


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "hrss.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE 工伤认定 (id INTEGER PRIMARY KEY, 申请编号 TEXT, 备注 TEXT)"
        )
        connection.executemany(
            "INSERT INTO 工伤认定 (id, 申请编号, 备注) VALUES (?, ?, ?)",
            [(n, f"GS-{n}", "" if n == 3 else "ok") for n in (1, 2, 3, 5, 8)],
        )
    return path


def test_identifiers_must_be_plain(database: Path) -> None:
    with pytest.raises(ValueError, match="table '工伤认定 x' is not a plain SQL identifier"):
        list(sqlite_source(database, "工伤认定 x", "id").records(None))
    with pytest.raises(ValueError, match="key column 'id; DROP TABLE x' is not a plain"):
        list(sqlite_source(database, "工伤认定", "id; DROP TABLE x").records(None))


def test_rows_in_key_order_across_batches_and_resume(database: Path) -> None:
    source = replace(sqlite_source(database, "工伤认定", "id"), batch_size=2)
    records = list(source.records(None))
    assert [r.sequence for r in records] == [1, 2, 3, 5, 8]
    assert records[2].fields["备注"] is None and records[2].position == "工伤认定#3"
    assert [r.sequence for r in source.records(after=3)] == [5, 8]


def test_the_department_database_is_opened_read_only(database: Path) -> None:
    connection = sqlite_source(database, "工伤认定", "id").connect()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM 工伤认定")
    connection.close()


def test_a_non_integer_key_is_refused(database: Path) -> None:
    with pytest.raises(ValueError, match="must be an integer key"):
        list(sqlite_source(database, "工伤认定", "申请编号").records(None))


@pytest.fixture
def updated_table(tmp_path: Path) -> Path:
    path = tmp_path / "hrss-updated.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE 工伤认定 "
            "(id INTEGER PRIMARY KEY, 认定结论 TEXT, 更新时间 TIMESTAMP NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO 工伤认定 VALUES (?, ?, ?)",
            [
                (1, "待认定", "2025-03-02 09:00:00"),
                (2, "待认定", "2025-03-01 08:00:00"),
                (3, "待认定", "2025-03-02 09:00:00"),  # the same moment as row 1: id breaks ties
            ],
        )
    return path


def test_updated_at_polling_orders_by_time_then_key_and_returns_changed_rows(
    updated_table: Path,
) -> None:
    source = replace(sqlite_source(updated_table, "工伤认定", "id", "更新时间"), batch_size=2)
    first = list(source.records(None))
    assert [r.sequence for r in first] == [
        ("2025-03-01 08:00:00", 2),
        ("2025-03-02 09:00:00", 1),
        ("2025-03-02 09:00:00", 3),
    ]
    assert list(source.records(first[-1].sequence)) == []
    with sqlite3.connect(updated_table) as connection:
        connection.execute(
            "UPDATE 工伤认定 SET 认定结论 = '认定工伤', 更新时间 = '2025-04-10 15:00:00' "
            "WHERE id = 2"
        )
    changed = list(source.records(first[-1].sequence))
    assert [(r.position, r.fields["认定结论"]) for r in changed] == [("工伤认定#2", "认定工伤")]


def test_a_key_checkpoint_cannot_resume_an_updated_at_table(updated_table: Path) -> None:
    source = sqlite_source(updated_table, "工伤认定", "id", "更新时间")
    with pytest.raises(ValueError, match="polled by updated-at"):
        list(source.records(3))
