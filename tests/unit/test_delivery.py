"""Alert deliveries to real peers on loopback: an HTTP server that checks the HMAC signature
(failing on purpose to exercise the retries), and an SMTP server (aiosmtpd). No Kafka."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from aiosmtpd.controller import Controller

from agents.delivery.senders import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    Retry,
    alert_body,
    alert_email,
    post_webhook,
    send_email,
)
from agents.delivery.subscriptions import SubscriptionError, load_subscriptions
from tests.support import free_port

SECRET = b"webhook-secret"
FAST = Retry(tries=4, first_wait_s=0.01, factor=2)


def _alert(**fields: Any) -> dict[str, Any]:
    at = datetime(2025, 9, 10, 2, 30, tzinfo=UTC)
    return {
        "envelope": {"event_id": "evt-1", "occurred_at": at},
        "alert_id": "death/91350100M000100Y43/1", "rule": "death",
        "subject_kind": "ENTERPRISE", "enterprise_id": "91350100M000100Y43",
        "district": "370211", "industry": "C37", "severity": "RED",
        "evidence_event_ids": ["a-1", "h-1"], "message_zh": "发生死亡事故",
        "message_en": "a fatal accident", "status": "OPEN", "revision": 1,
        "opened_at": at, "steps": [],
    } | fields  # fmt: skip


class _Receiver(BaseHTTPRequestHandler):
    failures_left = 0
    status_when_failing = 503
    received: ClassVar[list[tuple[dict[str, str], bytes, bool]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        genuine = hmac.compare_digest(expected, self.headers[SIGNATURE_HEADER])
        type(self).received.append((dict(self.headers), body, genuine))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(type(self).status_when_failing)
        else:
            self.send_response(204 if genuine else 401)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    _Receiver.received, _Receiver.failures_left, _Receiver.status_when_failing = [], 0, 503
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", _Receiver
    server.shutdown()
    server.server_close()


def _post(url: str, secret: bytes = SECRET) -> Any:
    async def run() -> Any:
        async with httpx.AsyncClient() as client:
            return await post_webhook(client, url, alert_body(_alert()), secret, "evt-1/desk", FAST)

    return asyncio.run(run())


def test_webhook_signed_and_verified_by_the_receiver(receiver: Any) -> None:
    url, handler = receiver
    outcome = _post(url)
    assert (outcome.delivered, outcome.attempts) == (True, 1)
    ((headers, body, genuine),) = handler.received
    assert genuine and headers[DELIVERY_HEADER] == "evt-1/desk"
    sent = json.loads(body)
    assert sent["alert_id"] == "death/91350100M000100Y43/1"
    assert sent["opened_at"] == "2025-09-10T02:30:00+00:00" and sent["event_id"] == "evt-1"


def test_webhook_retried_until_the_receiver_recovers(receiver: Any) -> None:
    url, handler = receiver
    handler.failures_left = 2
    outcome = _post(url)
    assert (outcome.delivered, outcome.attempts) == (True, 3)
    assert [genuine for _, _, genuine in handler.received] == [True, True, True]


def test_webhook_undeliverable_after_the_last_try(receiver: Any) -> None:
    url, handler = receiver
    handler.failures_left = 99
    outcome = _post(url)
    assert (outcome.delivered, outcome.attempts) == (False, 4)
    assert outcome.reason == f"webhook {url} answered 503"


def test_a_wrong_key_is_refused_at_once_not_retried(receiver: Any) -> None:
    url, handler = receiver
    outcome = _post(url, secret=b"not the key")
    assert (outcome.delivered, outcome.attempts) == (False, 1)
    assert outcome.reason == f"webhook {url} answered 401"
    assert [genuine for _, _, genuine in handler.received] == [False]


def test_a_receiver_that_is_down() -> None:
    outcome = _post(f"http://127.0.0.1:{free_port()}/alerts")
    assert (outcome.delivered, outcome.attempts) == (False, 4)
    assert "ConnectError" in outcome.reason


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                    policy=default)))  # fmt: skip
        return "250 OK"


def test_email_over_a_real_smtp_server() -> None:
    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = alert_email(_alert(), "hub@example.gov.cn", ["duty@example.gov.cn"])
        outcome = asyncio.run(send_email("127.0.0.1", port, message, FAST))
    finally:
        controller.stop()
    assert (outcome.delivered, outcome.attempts) == (True, 1)
    ((recipients, received),) = mailbox.messages
    assert recipients == ["duty@example.gov.cn"]
    assert received["Subject"] == "[工伤风险预警 红色 RED] 发生死亡事故"
    text = received.get_content()
    assert "a fatal accident" in text and "2025-09-10 10:30 (Asia/Shanghai)" in text


def test_email_undeliverable_when_no_server_answers() -> None:
    message = alert_email(_alert(), "hub@example.gov.cn", ["duty@example.gov.cn"])
    outcome = asyncio.run(send_email("127.0.0.1", free_port(), message, FAST))
    assert (outcome.delivered, outcome.attempts) == (False, 4)
    assert "ConnectionRefusedError" in outcome.reason


def test_subscriptions_match_by_filters_and_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.json"
    path.write_text(json.dumps({"subscriptions": [
        {"name": "desk", "rules": ["death"], "delivery": {"kind": "email", "to": ["d@x.cn"]}},
        {"name": "makers", "industries": ["C3"], "min_severity": "ORANGE",
         "delivery": {"kind": "topic"}},
        {"name": "laoshan", "districts": ["370212"], "delivery": {"kind": "topic"}},
    ]}), encoding="utf-8")  # fmt: skip
    desk, makers, laoshan = load_subscriptions(path)
    alert = _alert()
    assert desk.matches(alert) and makers.matches(alert) and not laoshan.matches(alert)
    assert not makers.matches(_alert(severity="YELLOW"))
    assert not desk.matches(_alert(rule="repeat-accidents"))
    path.write_text(json.dumps({"subscriptions": [
        {"name": "desk", "delivery": {"kind": "email", "to": []}}]}), encoding="utf-8")  # fmt: skip
    with pytest.raises(SubscriptionError, match=r"subscriptions\.0\.delivery\.email\.to"):
        load_subscriptions(path)
