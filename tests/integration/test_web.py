"""The web app served for real by `injuryhub dashboard`, read over HTTP on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from streams.audit import AuditEntry, AuditTrail
from streams.contracts.wire import decode
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue, find_topic
from tests.pipeline import REGISTRY, read_topic
from tests.support import free_port_runs, unique


@pytest.fixture
def web_url(kafka_bootstrap: str, tmp_path: Path) -> Iterator[str]:
    (port,) = free_port_runs(1, runs=1)
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "INJURYHUB_STATE_DIR": str(tmp_path)}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "injuryhub", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
        assert b"Traceback" not in output, output.decode(errors="replace")


@pytest.mark.kafka
def test_status_page_shows_kafka_and_the_topics(kafka_bootstrap: str, web_url: str) -> None:
    ensure_topics(kafka_bootstrap, [find_topic("hub.alerts")], default_replication=1)
    health = httpx.get(f"{web_url}/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "brokers": 1}

    page = httpx.get(f"{web_url}/status", timeout=10)
    assert page.status_code == 200
    assert "工伤预防数据共享枢纽" in page.text
    assert "1 个节点在线" in page.text
    assert page.text.count("<tr><td>") == len(catalogue())
    assert "<tr><td>hub.alerts</td><td>hub</td><td>就绪 ready</td>" in page.text


@pytest.mark.kafka
def test_the_audit_trail_lands_on_its_topic(kafka_bootstrap: str) -> None:
    prefix = unique("audit") + "."
    ensure_topics(kafka_bootstrap, [find_topic("hub.audit")], 1, prefix)
    trail = AuditTrail(HubSettings(bootstrap_servers=kafka_bootstrap), prefix)
    entry = AuditEntry("inspector-wang", "analyst", None, "SESSION", "GET", "/api/overview",
                       "period=2025-Q3", "READ", 200, "127.0.0.1")  # fmt: skip
    event_id = trail.record(entry)
    trail.close()
    (record,) = read_topic(kafka_bootstrap, prefix + "hub.audit")
    stored = decode(REGISTRY, record.value)[1]
    assert stored["envelope"]["event_id"] == event_id
    assert stored["envelope"]["provenance"]["producer"] == "person:inspector-wang"
    assert {k: stored[k] for k in ("actor", "kind", "path", "query", "status")} == {
        "actor": "inspector-wang", "kind": "READ", "path": "/api/overview",
        "query": "period=2025-Q3", "status": 200,
    }  # fmt: skip
