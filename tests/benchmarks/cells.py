"""The cells stage alone, without Faust or Kafka: a generated year's contributions, partitioned
and batched as the ``aggregate-cells`` agent gets them, applied to a dict by the agent's own
code (agents/aggregation/cells_batch.py), snapshots encoded. What any engine running this logic
pays per contribution, whatever carries the messages.

Run: `.venv/bin/python -m tests.benchmarks.cells --scale 0.05 [--batch 1000] [--profile]`.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.aggregation.agent import partition_of
from agents.aggregation.cells_batch import SNAPSHOT_TYPE, CellsBatch
from agents.aggregation.metrics import Contribution, Place, contributions
from agents.aggregation.rollup import family_key
from connectors.evaluation import RecordEvaluator
from connectors.mapping import load_mapping
from connectors.pseudonym import Pseudonymiser
from connectors.synthetic.dataset import native_records
from connectors.synthetic.generate import YearOptions, generate
from injuryhub.wiring import MAPPINGS, Contracts, load_contracts
from streams.settings import HubSettings

#: the partitions of the internal topic in the benchmarks' hub
PARTITIONS = 6


def year_events(scale: float, contracts: Contracts, settings: HubSettings) -> list[dict[str, Any]]:
    """Every event a generated year's connectors would publish, source by source."""
    pseudonymiser = Pseudonymiser(settings.pseudonym_key)
    events: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        generate(folder, YearOptions(2025, 7, scale), contracts.codes, MAPPINGS)
        for mapping_name, records in native_records(folder).items():
            mapping = load_mapping(MAPPINGS / f"{mapping_name}.yaml", contracts.codes)
            schema = contracts.registry.latest(mapping.spec.event_type)
            evaluator = RecordEvaluator(
                mapping_name, mapping, schema, contracts.validator, pseudonymiser
            )
            for record in records:
                if isinstance(outcome := evaluator.evaluate(record), dict):
                    events.append(outcome)
    return events


def year_contributions(events: list[dict[str, Any]]) -> list[Contribution]:
    places: dict[str, Place] = {
        event["uscc"]: (event["district"], event["industry"])
        for event in events
        if "uscc" in event and "district" in event
    }
    return [one for event in events for one in contributions(event, places.get)]


def batches(added: list[Contribution], size: int) -> Iterator[list[Contribution]]:
    """Each partition's contributions in order, ``size`` at a time, partition after partition."""
    by_partition: dict[int, list[Contribution]] = {}
    for one in added:
        key = family_key(one.district, one.industry).encode()
        by_partition.setdefault(partition_of(key, PARTITIONS), []).append(one)
    for ordered in by_partition.values():
        for start in range(0, len(ordered), size):
            yield ordered[start : start + size]


async def apply_all(added: list[Contribution], size: int, contracts: Contracts) -> int:
    """Snapshots made."""
    table: dict[str, Any] = {}
    schema = contracts.registry.latest(SNAPSHOT_TYPE)
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    made = 0
    for batch in batches(added, size):
        cells = CellsBatch(table, schema, lambda: moment)
        for one in batch:
            await cells.add(one)
        made += len(await cells.snapshots())
        cells.flush()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05, help="the year generated")
    parser.add_argument("--batch", type=int, default=1000, help="contributions per batch")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    args = parser.parse_args()
    settings = HubSettings()
    contracts = load_contracts(settings)
    added = year_contributions(year_events(args.scale, contracts, settings))
    profile = cProfile.Profile() if args.profile else None
    began = time.process_time()
    if profile is not None:
        profile.enable()
    made = asyncio.run(apply_all(added, args.batch, contracts))
    if profile is not None:
        profile.disable()
    seconds = time.process_time() - began
    print(
        f"scale {args.scale:g}, batches of {args.batch}: {len(added):,} contributions, "
        f"{made:,} snapshots ({made / len(added):.2f} each), {seconds:.2f} s CPU, "
        f"{seconds / len(added) * 1e6:.0f} µs per contribution"
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
