"""What a person sees when the CLI is used wrongly or too early (no broker involved)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from injuryhub.cli import app
from streams.settings import HubSettings

runner = CliRunner()


@pytest.fixture(autouse=True)
def empty_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INJURYHUB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "state"


def test_a_bad_setting_is_named_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INJURYHUB_BROKER_PORT", "not-a-port")
    result = runner.invoke(app, ["broker", "status"])
    assert result.exit_code == 2
    assert "setting broker_port (environment INJURYHUB_BROKER_PORT or .env)" in result.output
    assert "Traceback" not in result.output


def test_status_before_any_start_says_how_to_start() -> None:
    result = runner.invoke(app, ["broker", "status"])
    assert result.exit_code == 3
    assert "injuryhub broker start" in result.output


def test_logs_before_any_start_is_a_clear_error() -> None:
    result = runner.invoke(app, ["broker", "logs"])
    assert result.exit_code == 1
    assert "no local broker has been started yet" in result.output


def test_stop_when_nothing_runs_is_harmless() -> None:
    result = runner.invoke(app, ["broker", "stop"])
    assert result.exit_code == 0
    assert "Kafka was not running." in result.output


def test_every_command_is_listed_in_help() -> None:
    result = runner.invoke(app, ["--help"])
    for command in (
        "broker",
        "topics",
        "worker",
        "demo",
        "dashboard",
        "alerts",
        "bulletins",
        "thematic",
    ):
        assert command in result.output


def test_schemas_check_passes_on_the_shipped_schemas() -> None:
    result = runner.invoke(app, ["schemas", "check"])
    assert result.exit_code == 0, result.output
    assert "every version compatible with its predecessors" in result.output


def test_schemas_check_fails_on_a_breaking_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(HubSettings().schemas_path, schemas)
    folder = schemas / "hrss" / "insured-headcount"
    v2 = json.loads((folder / "v1.avsc").read_text(encoding="utf-8"))
    v2["injuryhub.version"] = 2
    v2["fields"].append({"name": "sector", "type": "string"})
    (folder / "v2.avsc").write_text(json.dumps(v2), encoding="utf-8")
    monkeypatch.setenv("INJURYHUB_SCHEMAS_DIR", str(schemas))
    result = runner.invoke(app, ["schemas", "check"])
    assert result.exit_code == 1
    assert "hrss.insured-headcount: v2 cannot read data written by v1" in result.output
    assert "reader field missing default value" in result.output


def test_a_malformed_schema_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "schemas" / "hrss" / "broken"
    broken.mkdir(parents=True)
    (broken / "v1.avsc").write_text('{"type": "record", "name": "X", "fields": [', "utf-8")
    monkeypatch.setenv("INJURYHUB_SCHEMAS_DIR", str(tmp_path / "schemas"))
    result = runner.invoke(app, ["schemas", "list"])
    assert result.exit_code == 1
    assert "broken/v1.avsc" in result.output
    assert "Traceback" not in result.output


def test_reset_also_forgets_the_workers_table_stores(empty_state: Path) -> None:
    """The stores cache the deleted cluster's changelogs; Faust would refuse to start on them."""
    stores = empty_state / "worker" / "injuryhub-data"
    stores.mkdir(parents=True)
    result = runner.invoke(app, ["broker", "reset"])
    assert result.exit_code == 0, result.output
    assert not (empty_state / "worker").exists()
    assert "table stores" in result.output


def test_generate_refuses_a_year_that_is_not_over(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "y"), "--year", "2099"])
    assert result.exit_code == 1
    assert "--year 2099: the year and the seven months after it must be over" in result.output
    assert "Traceback" not in result.output


def test_replay_of_a_folder_that_is_not_a_generated_year_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", str(tmp_path)])
    assert result.exit_code == 1
    assert "has no ground_truth.json" in result.output
