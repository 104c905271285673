"""One real Kafka broker for the whole session, found or started once.

Order of preference: ``KAFKA_BOOTSTRAP_SERVERS`` if set; else a testcontainers Kafka (KRaft) if
a Docker engine answers; else the project's own local broker (`injuryhub broker start`), stopped
at the end. Only tests marked ``kafka`` ask for it, so unit tests never start a broker.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator

import pytest

from streams.broker.cluster import LocalCluster
from tests.postgres import postgres_server
from tests.support import TEST_STATE_DIR, local_settings

TESTCONTAINERS_IMAGE = "confluentinc/cp-kafka:8.1.0"  # Confluent 8.1 ships Apache Kafka 4.1


def _docker_answers() -> bool:
    """Ask the Docker engine for `/_ping` over its socket, without a client that leaks it."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://"):
        address: str | tuple[str, int] = host.removeprefix("unix://")
        family = socket.AF_UNIX
    elif host.startswith("tcp://"):
        name, _, port = host.removeprefix("tcp://").rpartition(":")
        address, family = (name, int(port)), socket.AF_INET
    else:
        return False
    try:
        with socket.socket(family, socket.SOCK_STREAM) as engine:
            engine.settimeout(3)
            engine.connect(address)
            engine.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return engine.recv(1024).endswith(b"OK")
    except OSError:
        return False


@contextlib.contextmanager
def _testcontainers_kafka() -> Iterator[str]:
    from testcontainers.community.kafka import KafkaContainer

    with KafkaContainer(TESTCONTAINERS_IMAGE).with_kraft() as kafka:
        yield kafka.get_bootstrap_server()


@contextlib.contextmanager
def _local_kafka() -> Iterator[str]:
    cluster = LocalCluster(local_settings(TEST_STATE_DIR))
    cluster.reset()  # a previous run killed mid-way may have left a broker or data behind
    report = cluster.start(nodes=1)
    try:
        yield report.layout.bootstrap
    finally:
        cluster.reset()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    source = _testcontainers_kafka() if _docker_answers() else _local_kafka()
    with source as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A real PostgreSQL on loopback (tests/postgres.py), for the SQL-polling tests."""
    with postgres_server() as dsn:
        yield dsn


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the broker must say so with the marker, so `-m "not kafka"` is safe."""
    for item in items:
        needs_broker = "kafka_bootstrap" in getattr(item, "fixturenames", ())
        if needs_broker and item.get_closest_marker("kafka") is None:
            raise pytest.UsageError(
                f"{item.nodeid} uses kafka_bootstrap without @pytest.mark.kafka"
            )
