"""Model-unit candidates (dashboards/model_units.py) from a small thematic database: each
criterion excludes the enterprise that misses it, and the evidence says what the data show."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from agents.thematic.sink import ThematicDatabase
from dashboards.model_units import TRAINING_CATEGORIES, Criteria, model_unit_candidates
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.support import insert_event

REGISTRY = load_registry(HubSettings().schemas_path)
DURING = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[ThematicDatabase]:
    database = ThematicDatabase(tmp_path / "thematic.duckdb", REGISTRY)
    put = functools.partial(insert_event, database)
    ids = iter(range(10_000))

    def event(event_type: str, enterprise: str, **fields: Any) -> None:
        occurred = fields.pop("occurred", DURING)
        put(event_type, f"ev-{next(ids)}", occurred, enterprise_id=enterprise, **fields)

    def trained(enterprise: str, categories: tuple[str, ...] = TRAINING_CATEGORIES) -> None:
        for category in categories:
            event("hrss.training-completion", enterprise, category=category)

    def hazard(enterprise: str, rectified: date | None) -> None:
        event("emergency.hazard-inspection", enterprise, deadline=date(2025, 6, 30),
              rectified_on=rectified)  # fmt: skip

    def accident(enterprise: str, deaths: int, serious: int, occurred: datetime = DURING) -> None:
        event("emergency.accident-report", enterprise, deaths=deaths, serious_injuries=serious,
              occurred=occurred)  # fmt: skip

    for uscc in ("MODEL", "DIED", "HALF-TRAINED", "LATE", "DISEASE", "MINOR", "LAST-YEAR"):
        put("reference.enterprise", f"ent-{uscc}", DURING, uscc=uscc, name=f"{uscc} Co.")
        if uscc != "HALF-TRAINED":
            trained(uscc)
    trained("HALF-TRAINED", ("TEAM_LEADER",))
    hazard("MODEL", date(2025, 6, 1))
    hazard("MODEL", date(2025, 6, 30))
    put("union.model-unit-nomination", "nom-1", DURING, enterprise_id="MODEL", year=2025,
        reason="零事故班组")  # fmt: skip
    accident("DIED", deaths=1, serious=0)
    hazard("LATE", date(2025, 6, 1))
    hazard("LATE", date(2025, 7, 15))  # after its deadline
    hazard("LATE", None)  # not due until 30 June: counted, and open at the year's end
    event("health.od-diagnosis", "DISEASE")
    accident("MINOR", deaths=0, serious=0)
    accident("LAST-YEAR", deaths=2, serious=1, occurred=datetime(2024, 12, 31, 15, tzinfo=UTC))
    yield database
    database.close()


def test_only_enterprises_meeting_every_criterion_are_candidates(
    database: ThematicDatabase,
) -> None:
    found = model_unit_candidates(database.connection, 2025)

    assert [c.enterprise_id for c in found] == ["MODEL", "LAST-YEAR", "MINOR"]
    model = found[0]
    assert model.evidence == {
        "serious_accidents": 0, "accident_reports": 0,
        "trained_categories": sorted(TRAINING_CATEGORIES), "hazards_due": 2,
        "hazards_on_time": 2, "on_time_share": 1.0, "od_cases": 0,
        "union_nomination": "零事故班组",
    }  # fmt: skip
    assert model.name == "MODEL Co."
    assert found[2].evidence["accident_reports"] == 1  # a minor accident is no bar


def test_the_criteria_are_configurable(database: ThematicDatabase) -> None:
    lenient = Criteria(min_on_time_share=0.3, required_training=("TEAM_LEADER",))

    found = {c.enterprise_id for c in model_unit_candidates(database.connection, 2025, lenient)}

    assert found == {"MODEL", "LAST-YEAR", "MINOR", "LATE", "HALF-TRAINED"}
    assert not found & {"DIED", "DISEASE"}
