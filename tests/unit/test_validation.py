"""Each validation rule with a bad value, and the message a clerk would read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from streams.contracts.codes import load_code_lists
from streams.contracts.models import model_for
from streams.contracts.registry import EventSchema, load_registry
from streams.contracts.validation import EventValidator
from streams.settings import HubSettings
from tests.examples import OCCURRED, example_record

SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
VALIDATOR = EventValidator(
    load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file), lambda: NOW
)


def _reasons(event_type: str, change: Callable[[dict[str, Any]], None]) -> list[str]:
    schema = REGISTRY.latest(event_type)
    record = example_record(schema)
    change(record)
    return VALIDATOR.validate(schema, record).reasons()


@pytest.mark.parametrize("schema", REGISTRY.schemas, ids=lambda s: f"{s.event_type}.v{s.version}")
def test_every_example_is_valid(schema: EventSchema) -> None:
    assert VALIDATOR.validate(schema, example_record(schema)).reasons() == []


def _names(definition: dict[str, Any]) -> list[str]:
    return [field["name"] for field in definition["fields"]]


@pytest.mark.parametrize("schema", REGISTRY.schemas, ids=lambda s: f"{s.event_type}.v{s.version}")
def test_model_and_schema_agree_field_for_field(schema: EventSchema) -> None:
    model = model_for(schema)
    assert list(model.model_fields) == _names(schema.definition)
    envelope = model.model_fields["envelope"].annotation
    assert envelope is not None
    assert list(envelope.model_fields) == _names(schema.definition["fields"][0]["type"])


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = record
        for parent in parents:
            target = target[parent]
        target[last] = value

    return change


def _delete(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda record: record.pop(name)


CASES = [
    # event type, change, the one reason expected
    (
        "emergency.accident-report",
        _set("enterprise_id", "91350100M000100Y44"),
        "enterprise_id='91350100M000100Y44': USCC check character is '4', GB 32100 gives '3' "
        "[uscc]",
    ),
    (
        "emergency.accident-report",
        _set("district", "370299"),
        "district='370299': is not a district of this city [district]",
    ),
    (
        "emergency.accident-report",
        _set("industry", "C47"),
        "industry='C47': puts division 47 (房屋建筑业) in section C, but it belongs to section E "
        "[industry]",
    ),
    (
        "emergency.accident-report",
        _set("accident_type", "21"),
        "accident_type='21': is not a GB 6441-86 accident type (01-20) [accident_type]",
    ),
    (
        "emergency.accident-report",
        lambda record: record.update(deaths=3, victims=3),
        "grade='GENERAL': disagrees with 3 deaths, 0 serious injuries and 0.0 万元 loss, which "
        "make it LARGER [accident_grade]",
    ),
    (
        "transport.accident",
        _set("victims", -1),
        "victims=-1: Input should be greater than or equal to 0 [greater_than_equal]",
    ),
    (
        "emergency.accident-report",
        _set("deaths", -1),
        "deaths=-1: Input should be greater than or equal to 0 [greater_than_equal]",
    ),
    (
        "emergency.accident-report",
        _set("deaths", "2"),
        "deaths='2': Input should be a valid integer [int_type]",
    ),
    (
        "emergency.accident-report",
        _delete("accident_id"),
        "accident_id=missing: Field required [missing]",
    ),
    (
        "emergency.accident-report",
        _set("envelope.reported_at", NOW + timedelta(days=1)),
        "envelope.reported_at=2026-01-02T00:00:00+00:00: is in the future [not-future]",
    ),
    (
        "emergency.accident-report",
        _set("envelope.occurred_at", datetime(2025, 3, 15, tzinfo=UTC)),
        "envelope.reported_at=2025-03-14T06:00:00+00:00: is before occurred_at "
        "2025-03-15T00:00:00+00:00 [time-order]",
    ),
    (
        "emergency.accident-report",
        _set("envelope.occurred_at", datetime(2025, 3, 14, 1, 30)),  # noqa: DTZ001 -- the point
        "envelope.occurred_at=datetime.datetime(2025, 3, 14, 1, 30): Input should have timezone "
        "info [timezone_aware]",
    ),
    (
        "hrss.injury-recognition",
        _set("legal_basis", "art15.4"),
        "legal_basis='art15.4': is not an item of 《工伤保险条例》 art. 14 (1-7), 15 (1-3) or 16 "
        "(1-3), written like art14.1 [legal_basis]",
    ),
    (
        "hrss.injury-recognition",
        _set("decided_at", datetime(2025, 3, 1, tzinfo=UTC)),
        "decided_at=2025-03-01T00:00:00+00:00: is before reported_at 2025-03-14T06:00:00+00:00 "
        "[time-order]",
    ),
    (
        "hrss.injury-recognition",
        _set("legal_basis", "art16.1"),
        "legal_basis='art16.1': article 16 leads to NOT_RECOGNISED, not RECOGNISED "
        "[basis-fits-decision]",
    ),
    (
        "hrss.injury-recognition",
        _set("decision", "MAYBE"),
        "decision='MAYBE': Input should be 'PENDING', 'RECOGNISED', 'DEEMED' or "
        "'NOT_RECOGNISED' [literal_error]",
    ),
    (
        "hrss.injury-recognition",
        _set("person_pseudonym", "11010519491231002X"),
        "person_pseudonym='11010519491231002X': must be 64 lowercase hex digits [pseudonym]",
    ),
    (
        "health.od-diagnosis",
        _set("category", "11"),
        "category='11': is not an occupational-disease category (01-10) [od_category]",
    ),
    (
        "health.od-diagnosis",
        _set("hazard_factor", "UNOBTAINIUM"),
        "hazard_factor='UNOBTAINIUM': is not a hazard factor in schemas/codes [hazard_factor]",
    ),
    (
        "health.hazard-measurement",
        _set("limit_kind", "MAC"),
        "limit_kind='MAC': DUST-SILICA-TOTAL has no MAC limit; it has PC-TWA [limit_kind]",
    ),
    (
        "health.hazard-measurement",
        _set("unit", "ppm"),
        "unit='ppm': DUST-SILICA-TOTAL PC-TWA is measured in mg/m3 [limit_unit]",
    ),
    (
        "reference.enterprise",
        _set("insured_headcount", 5),
        "insured_headcount=5: exceeds the headcount 0 [insured<=headcount]",
    ),
    (
        "emergency.accident-report",
        _set("description", "x" * 2001),
        # the value is cut short: a reason quotes it, it does not repeat a whole document
        "description='" + "x" * 59 + "… (2,001 characters): String should have at most 2000 "
        "characters [string_too_long]",
    ),
]


@pytest.mark.parametrize(("event_type", "change", "reason"), CASES)
def test_rule_names_field_value_and_rule(
    event_type: str, change: Callable[[dict[str, Any]], None], reason: str
) -> None:
    assert _reasons(event_type, change) == [reason]


def test_a_decision_needs_its_basis() -> None:
    assert _reasons("hrss.injury-recognition", _set("legal_basis", None)) == [
        "legal_basis=None: is required once the decision is RECOGNISED [decision-complete]"
    ]


def test_a_pending_application_has_no_decision_time() -> None:
    assert _reasons("hrss.injury-recognition", _set("decision", "PENDING")) == [
        "decided_at=2025-04-30T02:00:00+00:00: set while PENDING [pending]"
    ]


def test_victims_cover_everyone_killed_or_injured() -> None:
    def two_dead_one_victim(record: dict[str, Any]) -> None:
        record.update(deaths=2, victims=1)

    assert _reasons("housing.construction-accident", two_dead_one_victim) == [
        "victims=1: is fewer than the 2 people killed or injured (2 deaths, 0 serious, 0 minor) "
        "[victims]"
    ]


def test_a_payload_hash_must_be_sha256_hex() -> None:
    assert _reasons("union.worker-report", _set("envelope.provenance.payload_sha256", "abc")) == [
        "envelope.provenance.payload_sha256='abc': must be 64 lowercase hex digits [sha256]"
    ]


def test_a_project_cannot_end_before_it_starts() -> None:
    assert _reasons("hrss.prevention-project", _set("ends_on", date(2025, 2, 28))) == [
        "ends_on=datetime.date(2025, 2, 28): is before starts_on 2025-03-01 [ends_after_start]"
    ]


def test_discharge_before_admission_is_out_of_order() -> None:
    discharged = datetime(2025, 3, 1, tzinfo=UTC)
    assert _reasons("health.injury-treatment", _set("discharged_at", discharged)) == [
        "discharged_at=2025-03-01T00:00:00+00:00: is before occurred_at "
        "2025-03-14T01:30:00+00:00 [time-order]"
    ]


def test_discharge_before_the_report_is_fine() -> None:
    """A hospital may report an emergency case after the patient has left: only the admission
    bounds the discharge."""
    discharged = OCCURRED + timedelta(hours=2)
    assert _reasons("health.injury-treatment", _set("discharged_at", discharged)) == []
