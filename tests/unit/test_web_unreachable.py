"""Without Kafka the web app says so with 503, instead of failing with a traceback."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dashboards.web import create_app
from streams.settings import HubSettings
from tests.support import free_port_runs


def test_health_and_page_report_an_unreachable_kafka() -> None:
    (nothing_listens,) = free_port_runs(1, runs=1)
    settings = HubSettings(bootstrap_servers=f"127.0.0.1:{nothing_listens}")
    with TestClient(create_app(settings)) as client:
        health = client.get("/healthz")
        page = client.get("/status")
    assert health.status_code == 503
    assert health.json() == {"status": "kafka unreachable", "brokers": 0}
    assert page.status_code == 503
    assert "0 个节点在线" in page.text
    assert "缺失 missing" in page.text
