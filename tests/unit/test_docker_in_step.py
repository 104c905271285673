"""docker/ cannot run on a machine without Docker; these checks keep it in step with the
project's own commands instead."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import typer
import yaml

from injuryhub.cli import app
from streams.broker.jars import KAFKA_VERSION
from tests.support import REPO_ROOT

COMPOSE = REPO_ROOT / "docker" / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _resolve(args: list[str]) -> Any:
    """Parse ``injuryhub <args>`` the way the CLI would, without running it; returns the
    command's context. Typer vendors its own click, hence the duck typing."""
    command: Any = typer.main.get_command(app)
    remaining = list(args)
    while hasattr(command, "list_commands"):  # a group: descend by name
        name = remaining.pop(0)
        with command.make_context("injuryhub", [name, "--help"], resilient_parsing=True) as ctx:
            sub = command.get_command(ctx, name)
        assert sub is not None, f"`injuryhub {' '.join(args)}`: no command {name!r}"
        command = sub
    return command.make_context(command.name, remaining)


def _app_services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    return {name: spec for name, spec in services.items() if "build" in spec}


def test_compose_names_the_pinned_kafka_version() -> None:
    assert _compose()["services"]["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"


@pytest.mark.parametrize("service", ["topics", "aggregates", "alerts", "dashboard", "push"])
def test_each_app_service_runs_an_existing_cli_command(service: str) -> None:
    command = _app_services()[service]["command"]
    context = _resolve(command)
    assert context.command.callback is not None


def test_unknown_commands_would_be_caught() -> None:
    with pytest.raises(AssertionError, match="no command 'serve'"):
        _resolve(["serve"])
    with pytest.raises(Exception, match="No such option: --listen"):
        _resolve(["dashboard", "--listen", "0.0.0.0"])


def test_app_services_reach_kafka_by_its_service_name() -> None:
    for name, spec in _app_services().items():
        assert spec["environment"]["INJURYHUB_BOOTSTRAP_SERVERS"] == "kafka:9092", name


def test_dockerfile_copies_every_package_the_project_installs() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) ", DOCKERFILE.read_text(encoding="utf-8"), re.M))
    assert packages <= copied
    assert all((REPO_ROOT / name).is_dir() for name in copied)
