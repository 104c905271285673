"""The immediate rules and the risk score on an enterprise's remembered history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents.alerting.findings import ENTERPRISE, Subject
from agents.alerting.history import empty_history
from agents.alerting.risk import colour_of, risk_score
from agents.alerting.rules import Observed, RuleThresholds, observe
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.examples import example_record

SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
FACTORS = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file).hazard_factors
USCC = "91350100M000100Y43"
SUBJECT = Subject(ENTERPRISE, "370211", "C33", USCC)
DAY = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)


def _event(event_type: str, event_id: str, occurred: datetime, **fields: Any) -> Observed:
    event = example_record(REGISTRY.latest(event_type))
    event["envelope"].update(event_id=event_id, source_system="test", occurred_at=occurred)
    event.update(enterprise_id=USCC, **fields)
    return Observed(event, SUBJECT)


def _accident(event_id: str, occurred: datetime, kind: str = "emergency.accident-report",
              **fields: Any) -> Observed:  # fmt: skip
    facts = {"deaths": 0, "serious_injuries": 0, "minor_injuries": 1, "victims": 1,
             "grade": "GENERAL", "accident_type": "03", "direct_loss_wan_cny": 1.0}  # fmt: skip
    return _event(kind, event_id, occurred, **(facts | fields))


def _rules(found: list[Any]) -> dict[str, Any]:
    return {finding.rule: finding for finding in found}


def test_a_minor_accident_raises_nothing() -> None:
    assert observe(_accident("a-1", DAY), empty_history(), FACTORS) == []


def test_a_death_is_red_with_every_report_of_the_accident_as_evidence() -> None:
    history = empty_history()
    observe(_accident("housing-1", DAY, "housing.construction-accident", deaths=1), history,
            FACTORS)  # fmt: skip
    found = _rules(observe(_accident("emergency-1", DAY, deaths=1), history, FACTORS))
    death = found["death"]
    assert (death.severity, death.evidence) == ("RED", ("housing-1", "emergency-1"))
    assert death.subject == SUBJECT and death.occurred == DAY
    assert "死亡 1 人" in death.message_zh and "killed 1" in death.message_en
    assert len(history["accidents"]) == 1  # one accident, two reports


@pytest.mark.parametrize(("grade", "severity"), [("LARGER", "ORANGE"), ("MAJOR", "RED")])
def test_a_larger_or_worse_accident(grade: str, severity: str) -> None:
    found = _rules(observe(_accident("a-1", DAY, grade=grade), empty_history(), FACTORS))
    assert found["larger-accident"].severity == severity


def test_poisoning_with_two_victims() -> None:
    one = observe(_accident("a-1", DAY, accident_type="19", victims=1), empty_history(), FACTORS)
    two = observe(_accident("a-2", DAY, accident_type="19", victims=2), empty_history(), FACTORS)
    assert "poisoning-asphyxiation" not in _rules(one)
    assert _rules(two)["poisoning-asphyxiation"].severity == "ORANGE"


def test_repeat_accidents_within_twelve_months_in_any_order() -> None:
    moments = [DAY, DAY + timedelta(days=200), DAY - timedelta(days=100)]
    history = empty_history()
    found: list[Any] = []
    for index, moment in enumerate(moments):
        found = observe(_accident(f"a-{index}", moment), history, FACTORS)
    repeat = _rules(found)["repeat-accidents"]
    assert repeat.evidence == ("a-2", "a-0", "a-1")  # oldest first
    assert repeat.occurred == moments[1]

    spread = empty_history()
    for index, days in enumerate((0, 200, 400)):  # never three within 365 days
        found = observe(_accident(f"b-{index}", DAY + timedelta(days=days)), spread, FACTORS)
    assert "repeat-accidents" not in _rules(found)


def test_the_same_event_again_changes_nothing() -> None:
    history = empty_history()
    first = observe(_accident("a-1", DAY, deaths=2), history, FACTORS)
    remembered = repr(history)
    assert observe(_accident("a-1", DAY, deaths=2), history, FACTORS) == first
    assert repr(history) == remembered


def test_two_od_diagnoses_within_a_year_are_a_cluster() -> None:
    history = empty_history()
    assert observe(_event("health.od-diagnosis", "d-1", DAY), history, FACTORS) == []
    later = DAY + timedelta(days=300)
    (cluster,) = observe(_event("health.od-diagnosis", "d-2", later), history, FACTORS)
    assert (cluster.rule, cluster.evidence) == ("occupational-disease-cluster", ("d-1", "d-2"))
    assert RuleThresholds().od_cluster == 2


def _measurement(event_id: str, value: float) -> Observed:
    return _event("health.hazard-measurement", event_id, DAY, hazard_factor="DUST-SILICA-RESP",
                  limit_kind="PC-TWA", value=value, unit="mg/m3")  # fmt: skip


def test_a_measurement_over_its_limit() -> None:
    history = empty_history()
    assert observe(_measurement("m-0", 0.7), history, FACTORS) == []  # at the limit is not over
    (over,) = observe(_measurement("m-1", 0.8), history, FACTORS)
    assert (over.rule, over.severity) == ("exposure-over-limit", "YELLOW")
    (worse,) = observe(_measurement("m-2", 1.4), history, FACTORS)  # twice the limit
    assert (worse.severity, worse.evidence) == ("ORANGE", ("m-1", "m-2"))


def test_risk_score_components_and_colours() -> None:
    history = empty_history()
    observe(_accident("a-1", DAY, serious_injuries=1), history, FACTORS)
    observe(_event("health.od-diagnosis", "d-1", DAY), history, FACTORS)
    scored = risk_score(history)
    assert scored.components["accidents"] == 4 and scored.components["serious_injuries"] == 8
    assert scored.components["od_cases"] == 6
    assert (scored.score, scored.colour) == (18, "ORANGE")
    for index in range(7):
        observe(_event("hrss.training-completion", f"t-{index}", DAY), history, FACTORS)
    assert risk_score(history).components["training"] == -5  # capped
    observe(_accident("a-2", DAY + timedelta(hours=1), deaths=1), history, FACTORS)
    assert risk_score(history).colour == "RED"


def test_risk_counts_only_the_last_year() -> None:
    history = empty_history()
    observe(_accident("a-old", DAY, deaths=1), history, FACTORS)
    observe(_event("union.worker-report", "r-1", DAY + timedelta(days=400)), history, FACTORS)
    assert risk_score(history).components["deaths"] == 0


@pytest.mark.parametrize(
    ("score", "colour"), [(0, "BLUE"), (4.9, "BLUE"), (5, "YELLOW"), (12, "ORANGE"), (25, "RED")]
)
def test_colour_bounds(score: float, colour: str) -> None:
    assert colour_of(score) == colour
