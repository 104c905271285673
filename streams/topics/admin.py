"""Create the catalogue's topics on a cluster, idempotently."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.kafka_auth import NO_AUTH, KafkaAuth
from streams.topics.catalogue import TopicSpec


@dataclass(frozen=True)
class TopicDrift:
    """An existing topic whose partition count differs from the catalogue's."""

    name: str
    declared_partitions: int
    actual_partitions: int


@dataclass(frozen=True)
class EnsureReport:
    created: tuple[str, ...]
    existing: tuple[str, ...]
    drift: tuple[TopicDrift, ...]


@contextlib.contextmanager
def admin_client(
    bootstrap: str, timeout_ms: int = 30_000, auth: KafkaAuth = NO_AUTH
) -> Iterator[KafkaAdminClient]:
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="injuryhub-admin",
        request_timeout_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,
        **auth.kafka_python(),
    )
    try:
        yield admin
    finally:
        admin.close()


def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    default_replication: int,
    prefix: str = "",
    auth: KafkaAuth = NO_AUTH,
) -> EnsureReport:
    """Create what is missing; leave existing topics alone and report where they drifted.

    Running it twice creates nothing the second time. A topic created concurrently by someone
    else counts as existing. ``prefix`` goes before every name: a sandbox copy of the catalogue.
    """
    if prefix:
        specs = [_Prefixed(spec, prefix) for spec in specs]  # type: ignore[misc]
    specs = tuple(specs)
    with admin_client(bootstrap, auth=auth) as admin:
        present = set(admin.list_topics())
        missing = [spec for spec in specs if spec.name not in present]
        created = _create(admin, missing, default_replication)
        present.update(spec.name for spec in missing)
        existing = [spec for spec in specs if spec.name in present]
        drift = _partition_drift(admin, existing)
    return EnsureReport(tuple(created), tuple(spec.name for spec in existing), drift)


class _Prefixed:
    """A catalogue entry under a prefixed name (the catalogue's own names stay canonical)."""

    def __init__(self, spec: TopicSpec, prefix: str) -> None:
        self._spec = spec
        self.name = prefix + spec.name

    def __getattr__(self, attribute: str) -> object:
        return getattr(self._spec, attribute)


def _create(admin: KafkaAdminClient, specs: list[TopicSpec], default_replication: int) -> list[str]:
    """Create in one request; if someone created one meanwhile, go topic by topic."""
    topics = [
        NewTopic(
            name=spec.name,
            num_partitions=spec.partitions,
            replication_factor=spec.replication_for(default_replication),
            topic_configs=spec.configs(),
        )
        for spec in specs
    ]
    if not topics:
        return []
    try:
        admin.create_topics(topics, timeout_ms=30_000)
        return [topic.name for topic in topics]
    except TopicAlreadyExistsError:
        pass
    created = []
    for topic in topics:
        try:
            admin.create_topics([topic], timeout_ms=30_000)
            created.append(topic.name)
        except TopicAlreadyExistsError:
            continue
    return created


def _partition_drift(admin: KafkaAdminClient, specs: list[TopicSpec]) -> tuple[TopicDrift, ...]:
    if not specs:
        return ()
    described = admin.describe_topics([spec.name for spec in specs])
    actual = {topic["name"]: len(topic["partitions"]) for topic in described}
    return tuple(
        TopicDrift(spec.name, spec.partitions, actual[spec.name])
        for spec in specs
        if actual.get(spec.name, spec.partitions) != spec.partitions
    )


def existing_topics(bootstrap: str, auth: KafkaAuth = NO_AUTH) -> set[str]:
    with admin_client(bootstrap, auth=auth) as admin:
        return set(admin.list_topics())


def partition_counts(
    bootstrap: str, topics: Iterable[str], auth: KafkaAuth = NO_AUTH
) -> dict[str, int]:
    """Each topic's partition count; LookupError naming the first topic the brokers lack."""
    wanted = list(dict.fromkeys(topics))
    with admin_client(bootstrap, auth=auth) as admin:
        existing = set(admin.list_topics())
        for topic in wanted:
            if topic not in existing:
                raise LookupError(
                    f"topic {topic!r} does not exist on {bootstrap}; run `injuryhub topics create`"
                )
        return {found["name"]: len(found["partitions"]) for found in
                admin.describe_topics(wanted)}  # fmt: skip
