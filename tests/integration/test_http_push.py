"""The HTTP push endpoint served for real by `injuryhub push-server`, called over loopback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from streams.clients import read_to_end
from streams.contracts.registry import load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import connector_topics, free_port_runs

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
TOKENS = {"hrss": "hrss-secret-token-1", "emergency": "emergency-secret-token-2"}


def _record(n: int, resident_id: str = "11010519491231002X") -> dict[str, object]:
    return {
        "申请编号": f"GS-H-{n}", "受伤时间": "2025-06-01 10:00", "申请日期": "2025-06-03",
        "身份证号码": resident_id, "统一社会信用代码": "91350100M000100Y43",
        "行政区划代码": "370213", "行业代码": "C3311", "认定结论": "待认定",
    }  # fmt: skip


@pytest.fixture
def server(kafka_bootstrap: str) -> Iterator[tuple[str, dict[str, str]]]:
    topics = connector_topics(kafka_bootstrap, "hrss")
    (port,) = free_port_runs(1, runs=1)
    env = {
        **os.environ,
        "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "INJURYHUB_PUSH_TOKENS": json.dumps(TOKENS),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "injuryhub", "push-server", "--mapping", "hrss.injury-recognition",
         "--port", str(port), "--topic", topics["events"],
         "--dead-letter-topic", topics["dlq"], "--checkpoint-topic", topics["checkpoints"]],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{url}/v1/none", json={}, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.2)
        yield url, topics
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
        assert b"Traceback" not in output, output.decode(errors="replace")


def _push(
    url: str, token: str, records: list[dict[str, object]], request_id: str = "req-1"
) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/hrss.injury-recognition",
        json={"request_id": request_id, "records": records},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_push_accepts_refuses_and_authenticates(
    kafka_bootstrap: str, server: tuple[str, dict[str, str]]
) -> None:
    url, topics = server
    assert _push(url, "wrong", [_record(1)]).status_code == 401
    unsigned = {"request_id": "no-token", "records": [_record(1)]}
    no_token = httpx.post(f"{url}/v1/hrss.injury-recognition", json=unsigned, timeout=30)
    assert no_token.status_code == 401  # no Authorization header at all
    assert _push(url, TOKENS["emergency"], [_record(1)]).status_code == 401  # not its mapping
    assert (
        httpx.post(f"{url}/v1/nothing.here", json={"records": [{}]}, timeout=10).status_code == 404
    )

    mixed = _push(url, TOKENS["hrss"], [_record(1), _record(2), _record(3, "110105194912310021")])
    assert mixed.status_code == 422
    body = mixed.json()
    assert [a["index"] for a in body["accepted"]] == [0, 1]
    assert body["rejected"] == [
        {"index": 2, "reasons": [
            "身份证号码=[masked]: resident ID check digit does not match "
            "(GB 11643 ISO 7064 MOD 11-2)"
        ]}
    ]  # fmt: skip
    assert _push(url, TOKENS["hrss"], [_record(4)], request_id="req-2").status_code == 200

    events = asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))
    ids = {decode(REGISTRY, m.value or b"")[1]["envelope"]["event_id"] for m in events}
    assert {a["event_id"] for a in body["accepted"]} <= ids and len(ids) == 3
    (letter,) = asyncio.run(read_to_end(kafka_bootstrap, topics["dlq"]))
    dead = decode(REGISTRY, letter.value or b"")[1]
    assert dead["position"] == "request req-1 #2"
    assert b"110105194912310021" not in (letter.value or b"")


def test_a_request_sent_again_is_answered_from_the_first_time_not_published_twice(
    kafka_bootstrap: str, server: tuple[str, dict[str, str]]
) -> None:
    """A client that lost the answer re-sends; the hub must not publish the records again."""
    url, topics = server
    first = _push(url, TOKENS["hrss"], [_record(10), _record(11)], request_id="retry-1")
    assert first.status_code == 200 and len(first.json()["accepted"]) == 2
    again = _push(url, TOKENS["hrss"], [_record(10), _record(11)], request_id="retry-1")
    assert again.status_code == 200
    assert again.json() == {
        "request_id": "retry-1", "already_processed": True,
        "accepted_count": 2, "rejected_count": 0,
    }  # fmt: skip
    assert len(asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))) == 2
