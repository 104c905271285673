"""`injuryhub schemas check`: the shipped schemas evolve compatibly, and a breaking change fails
with a reason a person can act on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from streams.contracts.evolution import check_evolution
from streams.contracts.registry import load_registry
from streams.settings import HubSettings

SHIPPED = HubSettings().schemas_path
OPTIONAL_FIELD = {"name": "note", "type": ["null", "string"], "default": None}


def test_shipped_schemas_are_compatible() -> None:
    assert check_evolution(load_registry(SHIPPED)) == []


@pytest.fixture
def v3(tmp_path: Path) -> dict[str, Any]:
    """A copy of the shipped schemas, and v2 of injury recognition to edit into a v3."""
    shutil.copytree(SHIPPED, tmp_path / "schemas", ignore=shutil.ignore_patterns("codes", "*.md"))
    v2 = tmp_path / "schemas" / "hrss" / "injury-recognition" / "v2.avsc"
    schema: dict[str, Any] = json.loads(v2.read_text(encoding="utf-8"))
    schema["injuryhub.version"] = 3
    return schema


def _check_with(schema: dict[str, Any], tmp_path: Path) -> list[str]:
    path = tmp_path / "schemas" / "hrss" / "injury-recognition" / "v3.avsc"
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return [str(problem) for problem in check_evolution(load_registry(tmp_path / "schemas"))]


def test_a_required_field_without_default_breaks_backward(
    v3: dict[str, Any], tmp_path: Path
) -> None:
    v3["fields"].append({"name": "insurer", "type": "string"})
    assert _check_with(v3, tmp_path) == [
        "hrss.injury-recognition: v3 cannot read data written by v1 (BACKWARD_TRANSITIVE): "
        "reader field missing default value at /fields/13 (insurer)",
        "hrss.injury-recognition: v3 cannot read data written by v2 (BACKWARD_TRANSITIVE): "
        "reader field missing default value at /fields/13 (insurer)",
    ]


def test_an_optional_field_with_default_is_compatible(v3: dict[str, Any], tmp_path: Path) -> None:
    v3["fields"].append(OPTIONAL_FIELD)
    assert _check_with(v3, tmp_path) == []


def test_transitive_catches_what_plain_backward_misses(v3: dict[str, Any], tmp_path: Path) -> None:
    # v3 keeps v2's lost_workdays but drops its default: v2 data has the field, v1 data does not.
    # (A default alone is not part of the canonical form, so v3 also gains an optional field.)
    del v3["fields"][-1]["default"]
    v3["fields"].append(OPTIONAL_FIELD)
    problems = _check_with(v3, tmp_path)
    assert len(problems) == 1
    assert "v3 cannot read data written by v1" in problems[0]
    assert "lost_workdays" in problems[0]

    v3["injuryhub.compatibility"] = "BACKWARD"
    assert _check_with(v3, tmp_path) == []


def test_changing_a_type_breaks_full_both_ways(v3: dict[str, Any], tmp_path: Path) -> None:
    v3["injuryhub.compatibility"] = "FULL"
    next(f for f in v3["fields"] if f["name"] == "application_no")["type"] = "int"
    problems = _check_with(v3, tmp_path)
    assert sorted(p.split(" (")[0] for p in problems) == [
        "hrss.injury-recognition: v2 cannot read data written by v3",
        "hrss.injury-recognition: v3 cannot read data written by v2",
    ]
    assert all("type mismatch" in p for p in problems)


def test_an_unknown_mode_is_reported(v3: dict[str, Any], tmp_path: Path) -> None:
    v3["fields"].append(OPTIONAL_FIELD)
    v3["injuryhub.compatibility"] = "SIDEWAYS"
    (problem,) = _check_with(v3, tmp_path)
    assert "unknown compatibility mode 'SIDEWAYS'" in problem


def test_a_schema_in_the_wrong_place_is_named(v3: dict[str, Any], tmp_path: Path) -> None:
    v3["fields"].append(OPTIONAL_FIELD)
    v3["injuryhub.version"] = 7
    with pytest.raises(ValueError, match=r"v3\.avsc declares hrss\.injury-recognition v7"):
        _check_with(v3, tmp_path)


def test_a_version_identical_to_its_predecessor_is_refused(
    v3: dict[str, Any], tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="same canonical form"):
        _check_with(v3, tmp_path)


def test_the_event_catalogue_document_is_up_to_date() -> None:
    from streams.contracts.docs import render_catalogue
    from streams.topics.catalogue import catalogue

    committed = (SHIPPED.parent / "docs" / "events.md").read_text(encoding="utf-8")
    assert committed == render_catalogue(catalogue(), load_registry(SHIPPED)), (
        "docs/events.md is stale: run `injuryhub schemas docs`"
    )
