"""The alerting agents on the Faust app (DESIGN.md "Risk alerts").

1. ``alert-facts``: department events the rules read, in batches -> re-keyed by enterprise onto
   an internal topic (the department topics are each keyed by enterprise, but one agent must see
   all of an enterprise's events, whichever department sent them).
2. ``enterprise-rules``, in batches: the immediate rules and the risk score on each
   enterprise's remembered history (table ``enterprise-history``, written once per enterprise
   and batch); a colour change goes to ``hub.risk-changes``.
3. the aggregation's cells agent calls ``watch_weeks`` when a week changed: the aberration
   methods on the weekly district × industry series; their findings go to the signals topic,
   so the cells agent may run in a worker of its own (``weeks_watch``, role ``aggregates``).
4. ``alert-actions``: lifecycle steps from ``hub.alert-actions``, re-keyed by the alert's subject.
5. ``alert-book``: findings and steps of one subject -> its alerts (table ``alert-book``) ->
   every new revision on ``hub.alerts``; a refused step goes to ``hub.dlq.hub`` with the reason.

Findings, steps and the rules' memory are idempotent (agents/alerting/book.py, history.py), so
the at-least-once stages of the aggregation (agents/aggregation/agent.py) hold here too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust

from agents.aggregation.agent import RAW_TOPIC, TABLE_OPTIONS, unplaced_reason
from agents.aggregation.cells_batch import WeeksChanged
from agents.aggregation.registry import REGISTRY_WAIT_S, HubInputs
from agents.aggregation.rollup import CellStore
from agents.aggregation.windows import Window
from agents.aggregation.write_back import WriteBack
from agents.alerting.book import (
    Action,
    ActionRefused,
    add_finding,
    apply_action,
    empty_book,
    subject_key_of,
)
from agents.alerting.findings import ENTERPRISE, Finding, Subject, from_ms, to_ms
from agents.alerting.history import empty_history
from agents.alerting.limits import AlertLimits
from agents.alerting.messages import alert_event, refused_action_event, risk_change_event
from agents.alerting.risk import risk_score
from agents.alerting.rules import RULE_EVENT_TYPES, Observed, observe
from agents.alerting.surveillance import SERIES, surge_findings
from agents.batches import ALERT_WITHIN_S, guarded_batches
from agents.poison import Decoder
from agents.positions import PositionKeeper
from streams.contracts.codes import HazardFactor
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import decode


@dataclass(frozen=True)
class AlertingTopics:
    alerts: str  # hub.alerts
    actions: str  # hub.alert-actions
    risk_changes: str  # hub.risk-changes
    dead_letters: str  # hub.dlq.hub
    partitions: int  # of the internal topics and tables
    action_partitions: int  # of hub.alert-actions: its position table's must match


@dataclass(frozen=True)
class Alerting:
    history: Any  # faust.Table[str, Any]
    book: Any  # faust.Table[str, Any]
    watch_weeks: WeeksChanged
    agents: tuple[Any, ...]


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _subject_of(event: dict[str, Any], inputs: HubInputs) -> Subject | None:
    uscc = event.get("enterprise_id")
    if not uscc:
        return None
    place = await inputs.resolve(uscc, REGISTRY_WAIT_S)
    district = event.get("district") or (place[0] if place else None)
    industry = event.get("industry") or (place[1] if place else None)
    if district is None or industry is None:
        raise LookupError(f"enterprise {uscc} of event {event['envelope']['event_id']} "
                          "is not in the registry")  # fmt: skip
    return Subject(ENTERPRISE, district, industry, uscc)


def signals_topic(app: faust.App, alerts_app_id: str, partitions: int) -> Any:
    """The alert book's input (findings and steps): internal to the app ``alerts_app_id``, and
    written to by an aggregates worker's surge watch as well."""
    return app.topic(f"{alerts_app_id}-alert-signals", internal=True, partitions=partitions,
                     **RAW_TOPIC)  # fmt: skip


async def _delivered(topic: Any, key: str, value: bytes) -> None:
    # Acknowledged before the agent writes its table: state stored ahead of what was
    # published from it would, after a crash, find nothing new and never publish it.
    await (await topic.send(key=key.encode(), value=value))


def weeks_watch(signals: Any, limits: AlertLimits) -> WeeksChanged:
    """The aberration methods on a changed week's district × industry series, run by the cells
    agent (they read its cells); each finding goes to the alert book on ``signals``."""

    async def watch_weeks(
        cells: CellStore, district: str, industry: str, week: Window, metrics: set[str]
    ) -> None:
        if metrics.isdisjoint(SERIES):
            return
        for one in surge_findings(cells, week, district, industry, limits.aberration):
            body = json.dumps({"finding": one.as_json()}, ensure_ascii=False).encode()
            await _delivered(signals, one.subject.key, body)

    return watch_weeks


def register_alerting(
    app: faust.App,
    inputs: HubInputs,
    topics: AlertingTopics,
    registry: SchemaRegistry,
    factors: dict[str, HazardFactor],
    experts: set[str],
    limits: AlertLimits,
    keeper: PositionKeeper,
    now: Callable[[], datetime] = _utc_now,
) -> Alerting:
    facts = app.topic(f"{app.conf.id}-alert-facts", internal=True,
                      partitions=topics.partitions, **RAW_TOPIC)  # fmt: skip
    signals = signals_topic(app, app.conf.id, topics.partitions)
    alerts = app.topic(topics.alerts, **RAW_TOPIC)
    risk_changes = app.topic(topics.risk_changes, **RAW_TOPIC)
    dead_letters = app.topic(topics.dead_letters, **RAW_TOPIC)
    history_table = app.Table("enterprise-history", partitions=topics.partitions, **TABLE_OPTIONS)
    book_table = app.Table("alert-book", partitions=topics.partitions, **TABLE_OPTIONS)

    async def signal(key: str, kind: str, body: dict[str, Any]) -> None:
        await _delivered(signals, key, json.dumps({kind: body}, ensure_ascii=False).encode())

    decoded = Decoder(registry, dead_letters, now)

    async def forward_fact(message: Any) -> int:
        event = await decoded(message, "alert-facts")
        if event is None:
            return 0
        wanted = event["envelope"]["event_type"] in RULE_EVENT_TYPES
        if wanted and event.get("enterprise_id"):
            # no table written here: Faust flushes this before it commits the offset
            await facts.send(key=event["enterprise_id"].encode(), value=message.value)
        return 1

    forwarding = keeper.guard("alert-facts", inputs.sources.topics)

    async def forward_batch(messages: list[Any]) -> int:
        return sum([await forward_fact(message) for message in messages])

    async def forward_facts(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for forwarded in guarded_batches(stream, forwarding, forward_batch, ALERT_WITHIN_S):
            yield forwarded

    async def apply_rules(histories: WriteBack, message: Any, sending: list[Any]) -> int:
        """The rules on one fact; what it publishes is queued on ``sending``."""
        _, event = decode(registry, message.value)
        try:
            subject = await _subject_of(event, inputs)
        except LookupError as missing:
            reason = unplaced_reason(missing, REGISTRY_WAIT_S)
            await decoded.reject(message, "enterprise-rules", reason, "unplaced")
            return 0
        if subject is None:
            return 0
        history = histories.get(subject.key) or empty_history()
        found = observe(Observed(event, subject), history, factors, limits.rules)
        scored = risk_score(history, limits.risk)
        previous = history["colour"]
        history.update(colour=scored.colour, score=scored.score)
        key = subject.key.encode()
        if scored.colour != previous:
            change = risk_change_event(registry, subject, scored, previous,
                                       from_ms(history["newest"]), now())  # fmt: skip
            sending.append(await risk_changes.send(key=key, value=change))
        for one in found:
            finding = json.dumps({"finding": one.as_json()}, ensure_ascii=False).encode()
            sending.append(await signals.send(key=key, value=finding))
        histories[subject.key] = history
        return len(found)

    async def rules_batch(messages: list[Any]) -> int:
        histories = WriteBack(history_table)
        sending: list[Any] = []
        found = sum([await apply_rules(histories, message, sending) for message in messages])
        for acknowledged in sending:
            await acknowledged  # before the histories are written: see ``_delivered``
        histories.flush()
        return found

    ruling = keeper.guard("enterprise-rules", (facts.get_topic_name(),))

    async def enterprise_rules(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for found in guarded_batches(stream, ruling, rules_batch, ALERT_WITHIN_S):
            yield found

    async def forward_action(message: Any) -> int:
        action = await decoded(message, "alert-actions")
        if action is None:  # unreadable: dead-lettered, the lifecycle goes on
            return 0
        step = {
            "action_id": action["envelope"]["event_id"], "alert_id": action["alert_id"],
            "step": action["step"], "actor": action["actor"],
            "at_ms": to_ms(action["envelope"]["occurred_at"]),
            "expert_id": action["expert_id"], "note": action["note"],
        }  # fmt: skip
        try:
            key = subject_key_of(action["alert_id"])
        except ActionRefused as refused:
            await refuse(message.value, step, str(refused))
            return 0
        await signal(key, "action", step)
        return 1

    actions = app.topic(topics.actions, **RAW_TOPIC)
    acting = keeper.guard("alert-actions", (topics.actions,), topics.action_partitions)

    async def forward_actions(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for incoming in stream.events():
            yield await acting.handle(incoming.message, forward_action)

    async def refuse(value: bytes, step: dict[str, Any], reason: str) -> None:
        letter = refused_action_event(registry, topics.actions, value, step, reason, now())
        await _delivered(dead_letters, step["alert_id"], letter)

    async def book_one(books: WriteBack, message: Any, sending: list[Any]) -> int:
        """One signal on its subject's book; the alert it changes is queued on ``sending``."""
        subject_key = (message.key or b"").decode()
        signalled = json.loads(message.value)
        book = books.get(subject_key) or empty_book()
        changed: dict[str, Any] | None = None
        if "finding" in signalled:
            changed = add_finding(book, Finding.from_json(signalled["finding"]))
        else:
            try:
                changed = apply_action(book, Action(**signalled["action"]), experts)
            except ActionRefused as refused:
                await refuse(message.value, signalled["action"], str(refused))
        if changed is not None:
            alert = alert_event(registry, changed, now())
            sending.append(await alerts.send(key=changed["alert_id"].encode(), value=alert))
        books[subject_key] = book
        return 0 if changed is None else 1

    async def book_batch(messages: list[Any]) -> int:
        """A batch of signals: its alerts are all acknowledged before any book is written (see
        ``_delivered``), each book once. One signal at a time, each alert's acknowledgement
        awaited before the next, held a burst of fatal accidents to ~100 alerts/s."""
        books = WriteBack(book_table)
        sending: list[Any] = []
        changed = sum([await book_one(books, message, sending) for message in messages])
        for acknowledged in sending:
            await acknowledged
        books.flush()
        return changed

    booking = keeper.guard("alert-book", (signals.get_topic_name(),))

    async def keep_book(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for booked in guarded_batches(stream, booking, book_batch, ALERT_WITHIN_S):
            yield booked

    agents = (
        app.agent(inputs.sources, name="alert-facts")(forward_facts),
        app.agent(facts, name="enterprise-rules")(enterprise_rules),
        app.agent(actions, name="alert-actions")(forward_actions),
        app.agent(signals, name="alert-book")(keep_book),
    )
    return Alerting(history_table, book_table, weeks_watch(signals, limits), agents)
