"""The ``alert-deliveries`` agent: every alert revision on ``hub.alerts`` to each subscription
it matches — the subscriber's own topic, a signed webhook or an e-mail — and what cannot be
delivered after the last try to ``hub.dlq.hub`` with the reason.

At least once: a delivery id (``<alert event id>/<subscription>``) is remembered in the table
``alert-deliveries`` after it went out, so a restarted worker does not resend what it had
finished; a worker killed mid-delivery resends that one (webhooks carry the id in a header for
the receiver to drop a repeat; an e-mail's Message-ID is the alert event id).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust
import httpx

from agents.aggregation.agent import RAW_TOPIC, TABLE_OPTIONS
from agents.alerting.messages import SOURCE_SYSTEM
from agents.delivery.senders import (
    Outcome,
    Retry,
    alert_body,
    alert_email,
    post_webhook,
    send_email,
)
from agents.delivery.subscriptions import Subscription, subscriber_topic
from agents.positions import PositionKeeper
from streams.contracts.envelope import build_event
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import decode, encode


@dataclass(frozen=True)
class DeliveryConfig:
    subscriptions: list[Subscription]
    webhook_secrets: dict[str, bytes]
    smtp_host: str
    smtp_port: int
    sender: str
    retry: Retry = field(default_factory=Retry)
    topic_prefix: str = ""


@dataclass(frozen=True)
class DeliveryTopics:
    alerts: str  # hub.alerts
    dead_letters: str  # hub.dlq.hub
    partitions: int  # of hub.alerts


def _utc_now() -> datetime:
    return datetime.now(UTC)


def register_delivery(
    app: faust.App,
    topics: DeliveryTopics,
    registry: SchemaRegistry,
    config: DeliveryConfig,
    keeper: PositionKeeper,
    now: Callable[[], datetime] = _utc_now,
) -> Any:
    done_table = app.Table("alert-deliveries", partitions=topics.partitions, **TABLE_OPTIONS)
    dead_letters = app.topic(topics.dead_letters, **RAW_TOPIC)
    own_topics = {
        s.name: app.topic(subscriber_topic(config.topic_prefix, s), **RAW_TOPIC)
        for s in config.subscriptions
        if s.delivery.kind == "topic"
    }

    async def deliver(client: httpx.AsyncClient, subscription: Subscription, value: bytes,
                      alert: dict[str, Any], delivery_id: str) -> Outcome:  # fmt: skip
        delivery = subscription.delivery
        if delivery.kind == "topic":
            sent = await own_topics[subscription.name].send(
                key=alert["alert_id"].encode(), value=value
            )
            await sent
            return Outcome(True, 1)
        if delivery.kind == "webhook":
            secret = config.webhook_secrets[subscription.name]
            return await post_webhook(client, delivery.url, alert_body(alert), secret,
                                      delivery_id, config.retry)  # fmt: skip
        message = alert_email(alert, config.sender, delivery.to)
        return await send_email(config.smtp_host, config.smtp_port, message, config.retry)

    async def undeliverable(subscription: Subscription, alert: dict[str, Any], delivery_id: str,
                            outcome: Outcome) -> None:  # fmt: skip
        moment = now()
        schema = registry.latest("hub.dead-letter")
        position = f"delivery {delivery_id}"
        payload = {
            "connector": "agent:alert-deliveries",
            "source": f"subscription {subscription.name} ({subscription.delivery.kind})",
            "position": position,
            "raw_record": alert_body(alert).decode("utf-8"),
            "reasons": [f"undeliverable after {outcome.attempts} tries: {outcome.reason}"],
            "rejected_at": moment,
        }
        letter = build_event("hub.dead-letter", schema.version, "hub", SOURCE_SYSTEM, position,
                             f"undeliverable/{delivery_id}", moment, moment,
                             "agent:alert-deliveries", payload)  # fmt: skip
        await (await dead_letters.send(key=delivery_id.encode(), value=encode(schema, letter)))

    async def deliver_alert(client: httpx.AsyncClient, message: Any) -> int:
        _, alert = decode(registry, message.value)
        done: list[str] = list(done_table.get(alert["alert_id"]) or [])
        sent = 0
        for subscription in config.subscriptions:
            delivery_id = f"{alert['envelope']['event_id']}/{subscription.name}"
            if not subscription.matches(alert) or delivery_id in done:
                continue
            outcome = await deliver(client, subscription, message.value, alert, delivery_id)
            if not outcome.delivered:
                await undeliverable(subscription, alert, delivery_id, outcome)
            sent += outcome.delivered
            done.append(delivery_id)
            done_table[alert["alert_id"]] = done
        return sent

    delivering = keeper.guard("alert-deliveries", (topics.alerts,), topics.partitions)

    async def deliver_alerts(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async with httpx.AsyncClient(timeout=10) as client:
            deliver_with = functools.partial(deliver_alert, client)
            async for incoming in stream.events():
                yield await delivering.handle(incoming.message, deliver_with)

    return app.agent(app.topic(topics.alerts, **RAW_TOPIC), name="alert-deliveries")(deliver_alerts)
