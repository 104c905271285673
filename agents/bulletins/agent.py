"""Writing situation bulletins from the aggregates, on event time.

``bulletin-cells`` keeps the week, month and quarter cells of ``hub.aggregates`` in a global
table (every worker holds the whole city), a batch of snapshots at a time. A timer on the leader
composes every closed period (agents/bulletins/compose.py) and publishes a period's bulletin on
``hub.bulletins`` once its figures have stopped changing for ``settle_s`` seconds and differ
from what was last published for it — so a replayed year yields one bulletin per period, and a
late injury recognition that changes a closed week yields a revised bulletin for that week.

What was published is read back from ``hub.bulletins`` when the leader starts, so a restarted
worker does not publish again what is there; a bulletin's event id derives from its period and
content, so a repeat after a crash mid-publish is a duplicate consumers can drop.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust

from agents.aggregation.agent import RAW_TOPIC, TABLE_OPTIONS
from agents.alerting.messages import SOURCE_SYSTEM
from agents.batches import guarded_batches
from agents.bulletins.compose import KINDS, BulletinContent, compose, periods_from_cells
from agents.bulletins.render import markdown_zh
from agents.positions import PositionKeeper
from streams.clients import TopicTail, read_to_end
from streams.contracts.envelope import build_event
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import decode, encode
from streams.faust_app import stop_at_shutdown
from streams.settings import HubSettings


@dataclass(frozen=True)
class BulletinTopics:
    aggregates: str  # hub.aggregates
    alerts: str  # hub.alerts
    bulletins: str  # hub.bulletins
    partitions: int  # of hub.aggregates


RECOMPOSE_S = 30.0


@dataclass
class _Publishing:
    published: dict[str, str] | None = None  # period -> content hash, None until read back
    settling: dict[str, tuple[str, float]] = field(default_factory=dict)  # period -> hash, since
    changes: int = 0  # cells this worker wrote so far
    #: the bulletins' contents and hashes, composed when this worker wrote cells since, or at
    #: least every RECOMPOSE_S (cells other workers write reach this one only by the changelog)
    composed: list[tuple[BulletinContent, str]] = field(default_factory=list)
    composed_at: tuple[int, float] = (-1, 0.0)


def content_hash(period: str, figures: dict[str, float], previous: dict[str, float | None],
                 last_year: dict[str, float | None], top_risks: list[str]) -> str:  # fmt: skip
    text = json.dumps([period, figures, previous, last_year, top_risks], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _period(kind: str, label: str) -> str:
    return f"{kind}|{label}"


def _hash_of(content: BulletinContent) -> str:
    window = content.window
    return content_hash(_period(window.kind.value, window.label), content.figures,
                        content.change_vs_previous, content.change_vs_last_year,
                        content.top_risks)  # fmt: skip


def _utc_now() -> datetime:
    return datetime.now(UTC)


def register_bulletins(
    app: faust.App,
    topics: BulletinTopics,
    registry: SchemaRegistry,
    settings: HubSettings,
    keeper: PositionKeeper,
    tick_s: float = 5.0,
    settle_s: float = 10.0,
    now: Callable[[], datetime] = _utc_now,
) -> Any:
    cells = app.GlobalTable("bulletin-cells", partitions=topics.partitions, **TABLE_OPTIONS)
    bulletins = app.topic(topics.bulletins, **RAW_TOPIC)
    schema = registry.latest("hub.bulletin")
    state = _Publishing()

    async def keep_cell(message: Any) -> int:
        cell = (message.key or b"").decode()
        kind, *rest = cell.split("|")
        # the city's figures: district × industry cells (an enterprise's has a fifth part)
        if kind in KINDS and len(rest) == 3:
            _, snapshot = decode(registry, message.value)
            if cells.get(cell) != snapshot["metrics"]:
                cells[cell] = snapshot["metrics"]
                state.changes += 1
        return 1

    keeping = keeper.guard("bulletin-cells", (topics.aggregates,), topics.partitions)

    async def keep_batch(messages: list[Any]) -> int:
        return sum([await keep_cell(message) for message in messages])

    async def keep_cells(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for kept in guarded_batches(stream, keeping, keep_batch):
            yield kept

    async def published() -> dict[str, str]:
        found: dict[str, str] = {}
        for record in await read_to_end(
            settings.bootstrap, topics.bulletins, auth=settings.kafka_auth
        ):
            _, old = decode(registry, record.value or b"")
            label = (record.key or b"").decode().split("|", 1)[1]
            period = _period(old["period"], label)
            found[period] = content_hash(period, old["figures"], old["change_vs_previous"],
                                         old["change_vs_last_year"], old["top_risks"])  # fmt: skip
        return found

    alerts_tail = TopicTail(settings.bootstrap, topics.alerts, auth=settings.kafka_auth)
    latest_alerts: dict[str, dict[str, Any]] = {}  # alert id -> its latest revision

    async def open_alerts(before: datetime) -> list[dict[str, Any]]:
        try:
            records = await alerts_tail.new()
        except LookupError:
            return []
        for record in records:
            _, alert = decode(registry, record.value or b"")
            earlier = latest_alerts.get(alert["alert_id"])
            if earlier is None or alert["revision"] >= earlier["revision"]:
                latest_alerts[alert["alert_id"]] = alert
        return sorted(
            (a for a in latest_alerts.values()
             if a["status"] != "CLOSED" and a["opened_at"] < before),
            key=lambda a: ({"RED": 0, "ORANGE": 1, "YELLOW": 2, "BLUE": 3}[a["severity"]],
                           a["alert_id"]),
        )  # fmt: skip

    stop_at_shutdown(app, alerts_tail.stop)

    async def publish(content: BulletinContent, digest: str) -> None:
        window = content.window
        alerts = await open_alerts(window.end)
        moment = now()
        period = _period(window.kind.value, window.label)
        payload = {
            "period": window.kind.value, "period_start": window.start,
            "period_end": window.end, "figures": content.figures,
            "change_vs_previous": content.change_vs_previous,
            "change_vs_last_year": content.change_vs_last_year,
            "top_risks": content.top_risks,
            "open_alert_ids": [a["alert_id"] for a in alerts],
            "markdown_zh": markdown_zh(content, alerts),
        }  # fmt: skip
        event = build_event("hub.bulletin", schema.version, "hub", SOURCE_SYSTEM, period,
                            f"{period}#{digest}", min(window.end, moment), moment,
                            "agent:bulletins", payload)  # fmt: skip
        sent = await bulletins.send(key=period.encode(), value=encode(schema, event))
        await sent

    async def publish_settled() -> None:
        if state.published is None:
            state.published = await published()
        ticked = time.monotonic()
        changes, when = state.composed_at
        if changes != state.changes or ticked - when >= RECOMPOSE_S:
            state.composed_at = (state.changes, ticked)
            periods = periods_from_cells((key, dict(value)) for key, value in cells.items())
            state.composed = [(content, _hash_of(content)) for content in compose(periods)]
        for content, digest in state.composed:
            window = content.window
            period = _period(window.kind.value, window.label)
            if state.published.get(period) == digest:
                continue
            seen, since = state.settling.get(period, ("", ticked))
            if seen != digest:
                state.settling[period] = (digest, ticked)
                continue
            if ticked - since >= settle_s:
                await publish(content, digest)
                state.published[period] = digest
                state.settling.pop(period, None)

    app.timer(tick_s, on_leader=True, name="bulletin-writer")(publish_settled)
    return app.agent(app.topic(topics.aggregates, **RAW_TOPIC), name="bulletin-cells")(keep_cells)
