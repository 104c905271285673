"""The aggregation agents on a real Faust app.

1. ``enterprise-registry`` (register_inputs): ``hub.enterprises`` -> a global table of each
   enterprise's district and industry (every worker holds all of it).
2. ``aggregate-contributions``: department events, in batches -> their contributions
   (agents/aggregation/metrics.py), re-keyed by district × industry onto an internal topic, so
   that one agent owns all the cells of a pair: one message per batch and partition of that
   topic, a *bundle* of the contributions of every pair the partition holds.
3. ``aggregate-cells``: bundles, in batches -> cells rolled up from day to year, for the pair
   and for the event's enterprise (month to year), and the pair's current rolling 30/90-day
   windows, once per batch (agents/aggregation/cells_batch.py) -> a snapshot on
   ``hub.aggregates`` for each window the batch touched, with its rates
   (agents/aggregation/rates.py); each cell written once per batch.

Exactness without Faust's exactly-once mode: sources are read committed only
(streams/faust_transport.py), each stage is at-least-once (what a stage sends is flushed before
its offsets are committed; what Faust's consumer passes over is read again: agents/positions.py),
and applying a contribution again is a no-op that also repairs what a crash left half-written.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
from aiokafka.partitioner import murmur2

from agents.aggregation.cells_batch import SNAPSHOT_TYPE, CellsBatch, WeeksChanged
from agents.aggregation.metrics import Contribution, contributions
from agents.aggregation.registry import REGISTRY_WAIT_S, HubInputs, RegistryTopic
from agents.aggregation.rollup import family_key
from agents.batches import BATCH_MAX, BATCH_WITHIN_S, guarded_batches
from agents.poison import Decoder
from agents.positions import PositionKeeper
from streams.contracts.registry import SchemaRegistry
from streams.faust_app import stop_at_shutdown
from streams.settings import HubSettings

CONTRIBUTIONS = "aggregate-contributions"
RAW_TOPIC: dict[str, Any] = {
    "key_type": bytes,
    "value_type": bytes,
    "key_serializer": "raw",
    "value_serializer": "raw",
}


@dataclass(frozen=True)
class AggregationTopics:
    sources: tuple[str, ...]  # department topics
    enterprises: str  # the registry (hub.enterprises)
    snapshots: str  # hub.aggregates
    dead_letters: str  # hub.dlq.hub: what the agents cannot decode
    partitions: int  # of the sources; tables and the internal topic match it


@dataclass(frozen=True)
class Aggregation:
    cells: Any  # faust.Table[str, Any]
    agents: tuple[Any, ...]


#: contributions in one message of the internal topic at most (a batch of 500 accident reports
#: has twice as many; a bundle stays well under Kafka's 1 MB message limit)
BUNDLE_MAX = 1000
#: the cells agent's batches in a worker of its own (``large_batches``): up to CELLS_BATCH_MAX
#: bundles, waiting up to CELLS_WITHIN_S for them (the usual bounds: 500 and 0.2 s). A replayed
#: year's bundles then touch each cell fewer times: 25 % fewer snapshots and 19 % less CPU per
#: event (docs/benchmarks.md, 1 December, late night). Beside the alerts, a long batch held their
#: event loop (P4's p99 up from 0.9-1.2 to 1.7-2.1 s), so a worker of role ``all`` keeps the
#: usual bounds. The wait delays only the weekly aberration checks, by up to a second.
CELLS_BATCH_MAX = 2000
CELLS_WITHIN_S = 1.0
#: table options every hub table shares
TABLE_OPTIONS: dict[str, Any] = {"default": None, "key_type": str}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _contribution_fields(added: Contribution) -> dict[str, Any]:
    return {
        "identity": added.identity,
        "occurred_ms": int(added.occurred.timestamp() * 1000),
        "district": added.district,
        "industry": added.industry,
        "enterprise_id": added.enterprise_id,
        "metrics": added.metrics,
    }


def bundle_json(bundle: list[Contribution]) -> bytes:
    return json.dumps([_contribution_fields(one) for one in bundle]).encode()


def bundled(data: bytes) -> list[Contribution]:
    """The contributions of a bundle (or of a lone contribution, as workers before the bundles
    sent them one per message)."""
    parsed = json.loads(data)
    return [_contribution(fields) for fields in (parsed if isinstance(parsed, list) else [parsed])]


def _contribution(fields: dict[str, Any]) -> Contribution:
    occurred = datetime.fromtimestamp(fields["occurred_ms"] / 1000, tz=UTC)
    return Contribution(
        fields["identity"], occurred, fields["district"], fields["industry"],
        fields["enterprise_id"], fields["metrics"],
    )  # fmt: skip


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as aiokafka's and Faust's producer)
    gives ``key``: where a pair's contributions went when each was sent keyed by its pair, so a
    worker upgraded to bundles finds every pair's cells where they were."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def bundles(added: list[Contribution], partitions: int) -> list[tuple[bytes, int, bytes]]:
    """``added`` as (key, partition, value) messages: one per partition (more past BUNDLE_MAX),
    in the order given; the key is the first contribution's pair."""
    by_partition: dict[int, list[tuple[bytes, Contribution]]] = {}
    for one in added:
        key = family_key(one.district, one.industry).encode()
        by_partition.setdefault(partition_of(key, partitions), []).append((key, one))
    messages = []
    for partition, keyed in by_partition.items():
        for start in range(0, len(keyed), BUNDLE_MAX):
            chunk = keyed[start : start + BUNDLE_MAX]
            messages.append((chunk[0][0], partition, bundle_json([one for _, one in chunk])))
    return messages


def register_inputs(
    app: faust.App, topics: AggregationTopics, registry: SchemaRegistry, settings: HubSettings
) -> HubInputs:
    """The department topics, and the ``enterprise-registry`` agent keeping every enterprise's
    district and industry in a global table (every worker holds all of it)."""
    # Typed keys: untyped, a restarted worker could not read an all-digit-start USCC key back
    # from the changelog ("Extra data" in recovery: it parsed the key as JSON).
    places = app.GlobalTable("enterprise-places", partitions=topics.partitions, **TABLE_OPTIONS)

    decoded = Decoder(registry, app.topic(topics.dead_letters, **RAW_TOPIC), _utc_now)

    async def remember_enterprises(stream: faust.StreamT[bytes]) -> AsyncIterator[str]:
        async for event in stream.events():
            enterprise = await decoded(event.message, "enterprise-registry")
            if enterprise is None:
                continue
            places[enterprise["uscc"]] = [enterprise["district"], enterprise["industry"]]
            yield enterprise["uscc"]

    app.agent(app.topic(topics.enterprises, **RAW_TOPIC), name="enterprise-registry")(
        remember_enterprises
    )
    registry_topic = RegistryTopic(
        settings.bootstrap, settings.kafka_auth, topics.enterprises, registry
    )
    stop_at_shutdown(app, registry_topic.stop)
    return HubInputs(app.topic(*topics.sources, **RAW_TOPIC), places, registry_topic)


async def placed(inputs: HubInputs, event: dict[str, Any], wait_s: float) -> list[Contribution]:
    """The event's contributions, waiting up to ``wait_s`` for an enterprise the registry does
    not hold yet (a fund's payee only as long as one read of the registry takes: it need not be
    an enterprise) before raising the LookupError."""
    placed_by_itself = event.get("district") and event.get("industry")
    if (enterprise := event.get("enterprise_id")) and not placed_by_itself:
        await inputs.resolve(enterprise, wait_s)
    elif payee := event.get("payee_uscc"):
        await inputs.resolve(payee, 0)
    return contributions(event, inputs.place)


def unplaced_reason(missing: LookupError, waited_s: float) -> str:
    return (f"{missing.args[0]} (hub.enterprises) after waiting {waited_s:.0f} s: register the "
            "enterprise, then send the event again")  # fmt: skip


def register_aggregation(
    app: faust.App,
    inputs: HubInputs,
    topics: AggregationTopics,
    registry: SchemaRegistry,
    keeper: PositionKeeper,
    registry_wait_s: float = REGISTRY_WAIT_S,
    now: Callable[[], datetime] = _utc_now,
    on_weeks_changed: WeeksChanged | None = None,
    large_batches: bool = False,
) -> Aggregation:
    """``registry_wait_s``: how long an event whose enterprise the registry does not hold yet
    waits for it before it is dead-lettered. ``on_weeks_changed`` runs in the
    cells agent (so it may read and write its tables) once per batch for each week of a
    district × industry the batch's contributions fell in (changed, or unchanged when they are
    read again), with the cell store it must read the cells from. ``large_batches``: the cells
    agent's (CELLS_BATCH_MAX), for a worker that runs no alerts."""
    decoded = Decoder(registry, app.topic(topics.dead_letters, **RAW_TOPIC), now)
    by_family = app.topic(
        f"{app.conf.id}-{CONTRIBUTIONS}", internal=True, partitions=topics.partitions, **RAW_TOPIC
    )
    snapshots = app.topic(topics.snapshots, **RAW_TOPIC)
    cells = app.Table("aggregate-cells", partitions=topics.partitions, **TABLE_OPTIONS)
    schema = registry.latest(SNAPSHOT_TYPE)

    async def contributions_of(message: Any) -> list[Contribution]:
        event = await decoded(message, CONTRIBUTIONS)
        if event is None:
            return []
        try:
            return await placed(inputs, event, registry_wait_s)
        except LookupError as missing:
            await decoded.reject(
                message, CONTRIBUTIONS, unplaced_reason(missing, registry_wait_s), "unplaced"
            )
            return []

    async def contribute_batch(messages: list[Any]) -> int:
        added = [one for message in messages for one in await contributions_of(message)]
        for key, partition, value in bundles(added, topics.partitions):
            # No wait for the acknowledgement: Faust flushes the producer before it
            # commits offsets, so this is on the broker before the events' offsets are.
            await by_family.send(key=key, partition=partition, value=value)
        return len(added)

    contributing = keeper.guard(CONTRIBUTIONS, inputs.sources.topics)

    async def contribute(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for handled in guarded_batches(stream, contributing, contribute_batch):
            yield handled

    async def aggregate_batch(messages: list[Any]) -> int:
        batch = CellsBatch(cells, schema, now, on_weeks_changed)
        for message in messages:
            for added in bundled(message.value):
                await batch.add(added)
        for key, value in await batch.snapshots():
            # No wait for the acknowledgement: Faust flushes the producer before it commits
            # offsets; the cells are written after their snapshots are sent.
            await snapshots.send(key=key, value=value)
        return batch.flush()

    aggregating = keeper.guard("aggregate-cells", (by_family.get_topic_name(),))

    bounds = (CELLS_WITHIN_S, CELLS_BATCH_MAX) if large_batches else (BATCH_WITHIN_S, BATCH_MAX)

    async def aggregate(stream: faust.StreamT[bytes]) -> AsyncIterator[int]:
        async for handled in guarded_batches(stream, aggregating, aggregate_batch, *bounds):
            yield handled

    agents = (
        app.agent(inputs.sources, name=CONTRIBUTIONS)(contribute),
        app.agent(by_family, name="aggregate-cells")(aggregate),
    )
    return Aggregation(cells, agents)
