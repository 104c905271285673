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
