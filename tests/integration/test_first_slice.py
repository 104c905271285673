"""The first end-to-end slice on the real broker: kafka-python publishes, a real Faust worker
(a separate `injuryhub worker` process) counts into a RocksDB table, aiokafka reads the result."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import pytest

from injuryhub.worker_process import running_worker
from streams.clients import latest_per_key, make_producer, read_to_end
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import TopicSpec
from tests.sample_events import publish_sample_events
from tests.support import unique

pytestmark = pytest.mark.kafka
SETTINGS = HubSettings()
REGISTRY = load_registry(SETTINGS.schemas_path)
CODES = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)


def _agent_counts(bootstrap: str, topic: str) -> Counter[str]:
    records = asyncio.run(read_to_end(bootstrap, topic))
    return Counter(
        {
            (key or b"").decode(): json.loads(value)["count"]
            for key, value in latest_per_key(records).items()
            if value is not None
        }
    )


def _wait_for_counts(bootstrap: str, topic: str, expected: Counter[str], worker_log: Path) -> None:
    deadline = time.monotonic() + 120
    counts: Counter[str] = Counter()
    while time.monotonic() < deadline:
        counts = _agent_counts(bootstrap, topic)
        if counts == expected:
            return
        time.sleep(0.5)
    pytest.fail(f"counts {dict(counts)} never reached {dict(expected)}; see {worker_log}")


def test_real_worker_counts_every_published_event(kafka_bootstrap: str, tmp_path: Path) -> None:
    source = TopicSpec(f"dept.emergency.{unique('slice')}.v1", "emergency", "slice", partitions=3)
    result = TopicSpec(f"hub.{unique('slice-counts')}", "hub", "slice", cleanup_policy="compact")
    created = ensure_topics(kafka_bootstrap, [source, result], default_replication=1)
    assert set(created.created) == {source.name, result.name}

    with make_producer(kafka_bootstrap, "slice-test") as producer:
        expected = publish_sample_events(producer, source.name, 120, 7, REGISTRY, CODES)
    assert sum(expected.values()) == 120

    env = {"INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "INJURYHUB_STATE_DIR": str(tmp_path)}
    args = ["--app-id", unique("slice-app"), "--intake-source", source.name]
    args += ["--intake-result", result.name, "--no-hub"]
    log = tmp_path / "worker.log"
    with running_worker(args, log, env) as worker:
        _wait_for_counts(kafka_bootstrap, result.name, expected, log)

        # Events arriving while the worker runs are counted too, on top of the first batch.
        with make_producer(kafka_bootstrap, "slice-test") as producer:
            expected += publish_sample_events(producer, source.name, 30, 8, REGISTRY, CODES)
        _wait_for_counts(kafka_bootstrap, result.name, expected, log)
        assert worker.poll() is None, log.read_text()
    assert worker.returncode == 0, log.read_text()[-3000:]


def test_worker_never_counts_what_an_aborted_transaction_wrote(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Connectors publish in transactions; a connector killed mid-batch leaves an aborted batch
    in the log. The worker must read committed messages only, or it would count that batch."""
    source = TopicSpec(f"dept.emergency.{unique('aborted')}.v1", "emergency", "slice", partitions=3)
    result = TopicSpec(f"hub.{unique('aborted-counts')}", "hub", "slice", cleanup_policy="compact")
    ensure_topics(kafka_bootstrap, [source, result], default_replication=1)
    transactional = make_producer(
        kafka_bootstrap, "slice-aborted", transactional_id=unique("slice-aborted")
    )
    try:
        transactional.init_transactions()
        transactional.begin_transaction()
        publish_sample_events(transactional, source.name, 40, 9, REGISTRY, CODES)
        transactional.flush()
        transactional.abort_transaction()
        transactional.begin_transaction()
        expected = publish_sample_events(transactional, source.name, 25, 10, REGISTRY, CODES)
        transactional.commit_transaction()
    finally:
        transactional.close()

    env = {"INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "INJURYHUB_STATE_DIR": str(tmp_path)}
    args = ["--app-id", unique("aborted-app"), "--intake-source", source.name]
    args += ["--intake-result", result.name, "--no-hub"]
    log = tmp_path / "worker.log"
    with running_worker(args, log, env):
        _wait_for_counts(kafka_bootstrap, result.name, expected, log)
        time.sleep(3)  # anything else it were to count would show by now
        assert _agent_counts(kafka_bootstrap, result.name) == expected
