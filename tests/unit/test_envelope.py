from datetime import UTC, datetime, timedelta, timezone

import pytest

from streams.contracts.envelope import build_event, event_id, payload_sha256

SHANGHAI = timezone(timedelta(hours=8))


def test_event_id_depends_only_on_the_source_record() -> None:
    first = event_id("emergency.accident-report", "应急事故系统", "SG-2025-0001")
    assert first == event_id("emergency.accident-report", "应急事故系统", "SG-2025-0001")
    assert first != event_id("emergency.accident-report", "应急事故系统", "SG-2025-0002")
    assert first != event_id("housing.construction-accident", "应急事故系统", "SG-2025-0001")


def test_payload_hash_ignores_key_order_and_time_zone_of_equal_instants() -> None:
    utc = {"a": 1, "t": datetime(2025, 1, 1, 0, 0, tzinfo=UTC), "名": "青岛"}
    shanghai = {"名": "青岛", "t": datetime(2025, 1, 1, 8, 0, tzinfo=SHANGHAI), "a": 1}
    assert payload_sha256(utc) == payload_sha256(shanghai)
    assert payload_sha256(utc) != payload_sha256(utc | {"a": 2})


def test_payload_hash_excludes_the_envelope() -> None:
    assert payload_sha256({"a": 1, "envelope": {"x": 1}}) == payload_sha256({"a": 1})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        payload_sha256({"t": datetime(2025, 1, 1)})  # noqa: DTZ001 -- the point of the test


def test_build_event_fills_the_envelope() -> None:
    occurred = datetime(2025, 3, 14, 9, 30, tzinfo=SHANGHAI)
    event = build_event(
        "emergency.accident-report",
        1,
        "emergency",
        "事故系统",
        "accidents.csv:17",
        "SG-2025-0001",
        occurred,
        occurred + timedelta(hours=2),
        "connector:emergency",
        {"accident_id": "SG-2025-0001"},
    )
    envelope = event["envelope"]
    assert envelope["event_id"] == event_id("emergency.accident-report", "事故系统", "SG-2025-0001")
    assert envelope["provenance"]["payload_sha256"] == payload_sha256(
        {"accident_id": "SG-2025-0001"}
    )
    assert event["accident_id"] == "SG-2025-0001"
