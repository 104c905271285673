"""Delivering one alert revision to one subscriber: a webhook signed with HMAC-SHA256, or an
e-mail over SMTP, each retried with exponential backoff; what still fails after the last try is
reported as undeliverable (the delivery agent dead-letters it)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx

from agents.aggregation.windows import CITY_ZONE

SIGNATURE_HEADER = "X-InjuryHub-Signature"
DELIVERY_HEADER = "X-InjuryHub-Delivery"
SEVERITY_ZH = {"RED": "红色", "ORANGE": "橙色", "YELLOW": "黄色", "BLUE": "蓝色"}
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Retry:
    tries: int = 5
    first_wait_s: float = 0.5
    factor: float = 2.0

    def waits(self) -> list[float]:
        """The pauses between tries: 0.5, 1, 2, 4 s by default."""
        return [self.first_wait_s * self.factor**n for n in range(self.tries - 1)]


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    reason: str = ""  # why the last try failed


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def alert_body(alert: dict[str, Any]) -> bytes:
    """The alert as JSON (times ISO 8601 in UTC, as on the wire), keys sorted: the exact bytes
    the signature covers."""
    fields = {key: value for key, value in alert.items() if key != "envelope"}
    fields["event_id"] = alert["envelope"]["event_id"]
    text = json.dumps(fields, default=_json_default, ensure_ascii=False, sort_keys=True)
    return text.encode("utf-8")


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


async def _with_retries(attempt: Callable[[], Awaitable[str | None]], retry: Retry,
                        sleep: Sleep) -> Outcome:  # fmt: skip
    """``attempt`` returns None on success, else why it failed; a reason starting with
    "final:" is not worth retrying (the receiver refused the request itself)."""
    waits = retry.waits()
    reason = ""
    for number in range(1, retry.tries + 1):
        failed = await attempt()
        if failed is None:
            return Outcome(True, number)
        reason = failed
        if failed.startswith("final:") or number == retry.tries:
            return Outcome(False, number, failed.removeprefix("final:").strip())
        await sleep(waits[number - 1])
    return Outcome(False, retry.tries, reason)


async def post_webhook(client: httpx.AsyncClient, url: str, body: bytes, secret: bytes,
                       delivery_id: str, retry: Retry,
                       sleep: Sleep = asyncio.sleep) -> Outcome:  # fmt: skip
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: signature(secret, body),
        DELIVERY_HEADER: delivery_id,  # receivers drop a delivery id they have seen
    }

    async def attempt() -> str | None:
        try:
            answer = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return f"webhook {url}: {type(error).__name__} {error}".strip()
        if answer.is_success:
            return None
        final = 400 <= answer.status_code < 500 and answer.status_code not in (408, 429)
        return f"{'final: ' if final else ''}webhook {url} answered {answer.status_code}"

    return await _with_retries(attempt, retry, sleep)


def alert_email(alert: dict[str, Any], sender: str, to: list[str]) -> EmailMessage:
    message = EmailMessage()
    severity = alert["severity"]
    message["Subject"] = f"[工伤风险预警 {SEVERITY_ZH[severity]} {severity}] {alert['message_zh']}"
    message["From"], message["To"] = sender, ", ".join(to)
    message["Message-ID"] = f"<{alert['envelope']['event_id']}@injuryhub>"
    local = alert["envelope"]["occurred_at"].astimezone(CITY_ZONE)
    message.set_content(
        f"{alert['message_zh']}\n{alert['message_en']}\n\n"
        f"预警编号 alert: {alert['alert_id']} (修订 revision {alert['revision']})\n"
        f"状态 status: {alert['status']}\n规则 rule: {alert['rule']}\n"
        f"时间 when: {local:%Y-%m-%d %H:%M} (Asia/Shanghai)\n"
        f"证据 evidence: {', '.join(alert['evidence_event_ids'])}\n"
    )
    return message


async def send_email(host: str, port: int, message: EmailMessage, retry: Retry,
                     sleep: Sleep = asyncio.sleep) -> Outcome:  # fmt: skip
    def send() -> None:
        with smtplib.SMTP(host, port, timeout=10) as smtp:
            smtp.send_message(message)

    async def attempt() -> str | None:
        try:
            await asyncio.to_thread(send)
        except smtplib.SMTPRecipientsRefused as error:
            return f"final: SMTP {host}:{port} refused the recipients {sorted(error.recipients)}"
        except (OSError, smtplib.SMTPException) as error:
            return f"SMTP {host}:{port}: {type(error).__name__} {error}".strip()
        return None

    return await _with_retries(attempt, retry, sleep)
