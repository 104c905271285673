"""What a person sees when the CLI is used wrongly or too early (no broker involved)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from injuryhub.cli import app

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
    for command in ("broker", "topics", "worker", "demo", "web"):
        assert command in result.output
