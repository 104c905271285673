"""Registering the hub's agents on a worker's Faust app from the settings: the one place where
the aggregation, alerting and delivery agents meet (they know nothing of each other).

A worker runs them all (role ``all``), or one of two halves in a process of its own, so that each
has a core and the alerts never wait behind a batch of cells (docs/benchmarks.md):
``aggregates`` (the cells, their surge watch, the bulletins) and ``alerts`` (the rules, the alert
book, deliveries). The halves are separate Faust apps: ``alerts`` keeps the hub's app id, and with
it the alert books and what was delivered; ``aggregates`` is ``<app id>-aggregates``, whose cells a
deployment that splits rebuilds from the department topics (republishing snapshots with the same
totals). Run either ``all`` workers or both halves, never ``all`` beside a half.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import faust

from agents.aggregation.agent import AggregationTopics, register_aggregation, register_inputs
from agents.aggregation.metrics import METRICS
from agents.alerting.agent import AlertingTopics, register_alerting, signals_topic, weeks_watch
from agents.alerting.experts import load_experts
from agents.alerting.limits import alert_limits
from agents.alerting.rules import RULE_EVENT_TYPES
from agents.bulletins.agent import BulletinTopics, register_bulletins
from agents.delivery.agent import DeliveryConfig, DeliveryTopics, register_delivery
from agents.delivery.subscriptions import (
    SubscriptionError,
    load_subscriptions,
    missing_secrets,
    subscriber_topic,
)
from agents.positions import PositionKeeper
from streams.clients import PartitionReader
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics, partition_counts
from streams.topics.catalogue import TopicSpec, catalogue


class Role(StrEnum):
    ALL = "all"
    AGGREGATES = "aggregates"
    ALERTS = "alerts"


def role_app_id(app_id: str, role: Role) -> str:
    """The Faust app id of a worker of ``role`` in the hub whose app id is ``app_id``."""
    return f"{app_id}-aggregates" if role is Role.AGGREGATES else app_id


@dataclass(frozen=True)
class HubPlan:
    """Everything checked before the app starts, so a worker fails with one clear line."""

    aggregation: AggregationTopics
    alerting: AlertingTopics
    delivery: DeliveryTopics
    config: DeliveryConfig
    bulletins: BulletinTopics


def partitions_of(settings: HubSettings, *topics: str) -> dict[str, int]:
    """Each topic's partition count, asked of the brokers at once."""
    try:
        return partition_counts(settings.bootstrap, topics, auth=settings.kafka_auth)
    except LookupError as missing:
        raise LookupError(f"{missing}, or run the worker with --no-hub") from None


def plan_hub(settings: HubSettings, prefix: str = "") -> HubPlan:
    """The hub agents' topics (all present on the brokers), subscriptions and thresholds.
    Raises LookupError, SubscriptionError or ValueError with what to fix."""
    sources = tuple(
        prefix + spec.name
        for spec in catalogue()
        if spec.name.startswith("dept.")
        and (spec.event_type in METRICS or spec.event_type in RULE_EVENT_TYPES)
    )
    hub = {name: prefix + f"hub.{name}" for name in
           ("enterprises", "aggregates", "dlq.hub", "alerts", "alert-actions", "risk-changes",
            "bulletins")}  # fmt: skip
    # One question to the brokers, not one admin client per topic (2.6 s of every start).
    counts = partitions_of(settings, *sources, *hub.values())
    partitions = counts[sources[0]]
    aggregation = AggregationTopics(
        sources, hub["enterprises"], hub["aggregates"], hub["dlq.hub"], partitions
    )
    alerting = AlertingTopics(
        hub["alerts"], hub["alert-actions"], hub["risk-changes"], hub["dlq.hub"],
        partitions, counts[hub["alert-actions"]],
    )  # fmt: skip
    bulletins = BulletinTopics(aggregation.snapshots, alerting.alerts, hub["bulletins"],
                               counts[aggregation.snapshots])  # fmt: skip
    delivery = DeliveryTopics(alerting.alerts, alerting.dead_letters, counts[alerting.alerts])
    subscriptions = load_subscriptions(settings.subscriptions_file)
    secrets = {name: key.get_secret_value().encode() for name, key in
               settings.webhook_secrets.items()}  # fmt: skip
    lacking = missing_secrets(subscriptions, secrets)
    if lacking:
        raise SubscriptionError(
            f"webhook subscription(s) {', '.join(lacking)} have no key in "
            "INJURYHUB_WEBHOOK_SECRETS (a JSON object: subscription name -> key)"
        )
    own_topics = [
        TopicSpec(
            subscriber_topic("", s),
            "hub",
            f"alerts for subscriber {s.name}",
            partitions=3,
            event_type="hub.alert",
        )
        for s in subscriptions
        if s.delivery.kind == "topic"
    ]
    if own_topics:
        ensure_topics(
            settings.bootstrap,
            own_topics,
            settings.replication_factor,
            prefix,
            auth=settings.kafka_auth,
        )
    config = DeliveryConfig(subscriptions, secrets, settings.smtp_host, settings.smtp_port,
                            settings.smtp_sender, topic_prefix=prefix)  # fmt: skip
    alert_limits(settings.alert_thresholds)  # fails here, not in the running app
    load_experts(settings.experts_file)
    return HubPlan(aggregation, alerting, delivery, config, bulletins)


def register_hub_agents(
    app: faust.App,
    settings: HubSettings,
    plan: HubPlan,
    role: Role = Role.ALL,
    hub_app_id: str = "",
) -> PositionKeeper:
    """The agents of ``role`` on ``app``; ``hub_app_id``: the hub's app id (that of the alerts
    half, whose alert book an aggregates worker's surge watch writes to), if not ``app``'s.
    Returns the keeper of their positions (for the SIGUSR1 picture)."""
    registry = load_registry(settings.schemas_path)
    codes = load_code_lists(settings.schemas_path, settings.districts_file)
    inputs = register_inputs(app, plan.aggregation, registry, settings)
    keeper = PositionKeeper(
        app,
        PartitionReader(settings.bootstrap, auth=settings.kafka_auth),
        plan.aggregation.partitions,
    )
    limits = alert_limits(settings.alert_thresholds)
    watch = None
    if role is not Role.AGGREGATES:
        experts = set(load_experts(settings.experts_file))
        alerts = register_alerting(app, inputs, plan.alerting, registry, codes.hazard_factors,
                                   experts, limits, keeper)  # fmt: skip
        register_delivery(app, plan.delivery, registry, plan.config, keeper)
        watch = alerts.watch_weeks
    if role is not Role.ALERTS:
        if watch is None:
            signals = signals_topic(app, hub_app_id or app.conf.id, plan.alerting.partitions)
            watch = weeks_watch(signals, limits)
        register_aggregation(app, inputs, plan.aggregation, registry, keeper,
                             on_weeks_changed=watch)  # fmt: skip
        register_bulletins(app, plan.bulletins, registry, settings, keeper)
    keeper.watch()
    return keeper
