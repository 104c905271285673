import re

import pytest

from streams.topics.catalogue import (
    DEPARTMENTS,
    FOREVER,
    TopicSpec,
    catalogue,
    dlq_topic,
    find_topic,
)


def test_names_are_unique_and_follow_the_convention() -> None:
    names = [spec.name for spec in catalogue()]
    assert len(names) == len(set(names))
    pattern = re.compile(r"^(dept\.[a-z]+\.[a-z0-9-]+\.v\d+|hub\.[a-z0-9.-]+)$")
    assert all(pattern.match(name) for name in names), names


def test_every_department_publishes_and_has_a_dead_letter_topic() -> None:
    specs = catalogue()
    for dept in DEPARTMENTS:
        assert any(s.name.startswith(f"dept.{dept}.") and s.owner == dept for s in specs), dept
        assert find_topic(dlq_topic(dept)).name == f"hub.dlq.{dept}"


def test_department_topics_are_kept_for_replay() -> None:
    for spec in catalogue():
        if spec.cleanup_policy == "delete":
            assert spec.configs()["retention.ms"] == str(FOREVER), spec.name


def test_compacted_topics_carry_no_retention() -> None:
    registry = find_topic("hub.enterprises")
    assert registry.configs() == {"cleanup.policy": "compact"}


def test_department_topic_must_be_owned_by_its_department() -> None:
    with pytest.raises(ValueError, match="must be owned by 'health'"):
        TopicSpec("dept.health.od-diagnosis.v1", "hrss", "wrong owner")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("emergency-accidents", "follows neither"),
        ("dept.police.arrest.v1", "unknown department 'police'"),
        ("dept.health.OD.v1", "follows neither"),
    ],
)
def test_bad_names_are_refused_with_the_reason(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TopicSpec(name, "hub", "bad")


def test_unknown_topic_lookup_says_where_the_catalogue_is() -> None:
    with pytest.raises(KeyError, match=r"catalogue\.py"):
        find_topic("hub.nothing")


def test_replication_defaults_to_the_deployment() -> None:
    assert find_topic("hub.alerts").replication_for(3) == 3
    pinned = TopicSpec("hub.x", "hub", "pinned", replication=1)
    assert pinned.replication_for(3) == 1


def test_every_avro_topic_has_a_schema_and_every_schema_a_topic() -> None:
    from streams.contracts.registry import load_registry
    from streams.settings import HubSettings

    registry = load_registry(HubSettings().schemas_path)
    typed = {spec.event_type for spec in catalogue() if spec.event_type is not None}
    assert typed == set(registry.event_types)


def test_sharing_names_only_departments() -> None:
    for spec in catalogue():
        assert set(spec.shared_with) <= set(DEPARTMENTS), spec.name
        assert spec.readers[:2] == (spec.owner, "hub") or spec.owner == "hub"


def test_a_dead_letter_topic_is_read_by_its_department_only() -> None:
    assert find_topic("hub.dlq.health").readers == ("hub", "health")
