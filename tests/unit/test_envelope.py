import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from streams.contracts.envelope import (
    EVENT_ID_NAMESPACE,
    build_event,
    event_id,
    payload_sha256,
)

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


def test_event_ids_are_rfc_4122_name_based_uuids_of_the_hubs_namespace() -> None:
    for parts in [
        ("hub.aggregate", "injuryhub-agents", "MONTH|2025-03|370202|C"),
        ("emergency.accident-report", "应急事故系统", "SG-2025-0001"),
        ("", "", ""),
    ]:
        expected = uuid.uuid5(EVENT_ID_NAMESPACE, "\x1f".join(parts))
        assert event_id(*parts) == str(expected)


def test_ids_and_hashes_stay_those_already_on_the_topics() -> None:
    # Values the hub has published since its first release: a change here re-identifies every
    # event and breaks every provenance check of what is already stored.
    payload = {
        "accident_id": "SG-2025-0001", "day": date(2025, 3, 14), "deaths": 1,
        "occurred": datetime(2025, 3, 14, 9, 30, 15, 123456, tzinfo=SHANGHAI),
        "rate": 0.1 + 0.2, "flag": True, "none": None, "名": "青岛 市南区",
        "nested": {"z": [1, 2.5, "x", (3, date(2024, 2, 29))], "a": {"b": None}},
        "envelope": {"ignored": 1},
    }  # fmt: skip

    assert payload_sha256(payload) == (
        "a7225ce9176da4400c7dc3389b06c11a3a18837919dca6cc77f4a4fb1c0030ca"
    )
    assert event_id("emergency.accident-report", "应急事故系统", "SG-2025-0001") == (
        "d8952e4c-6522-5ee7-b354-7cbe2fcfa0ea"
    )


def test_a_value_json_cannot_carry_is_named() -> None:
    with pytest.raises(TypeError, match="cannot hold a Decimal: Decimal"):
        payload_sha256({"amount": Decimal("1.5")})


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
