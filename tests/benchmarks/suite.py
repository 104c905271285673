"""The hub's benchmarks against raw baselines measured in the same run on the same broker.

P1 connectors (validate + pseudonymise + Avro + transactional acks=all) vs a raw kafka-python
   producer (acks=all) of pre-encoded messages of the same size;
P2 the worker from a replayed year to aggregates equal to the ground truth vs a raw aiokafka
   consume-and-decode loop over the same topics;
P3 a generated year from files to final aggregates, the worker running while the connectors
   publish (as in service), at two scales (how cost grows);
P4 publish-to-alert latency at half the rate P2 sustained;
P5 worker restart: start to ready with 10^6 records in a table's changelog to recover;
and the peak memory of the worker and of the connectors' process. ``--workers halves`` runs the
hub as its two halves (``injuryhub worker --role aggregates`` and ``--role alerts``) side by side
instead of one worker.

Run: `make bench` (writes docs/benchmarks.md) or
`.venv/bin/python -m tests.benchmarks.suite --scale 0.05 --write docs/benchmarks.md`;
``--p3-only`` or ``--p5-only`` for one of them alone (``make bench-p3``, ``make bench-p5``).
Prints figures; asserts nothing. Uses INJURYHUB_BOOTSTRAP_SERVERS, or starts the local broker;
writes to fresh prefixed topics.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka.admin import NewTopic

from agents.aggregation.reconcile import expected_monthly
from connectors.sources.files import CsvSource
from injuryhub.hub_agents import Role, role_app_id
from injuryhub.wiring import build_connector, load_contracts
from streams.broker.cluster import LocalCluster
from streams.clients import make_producer, read_to_end
from streams.contracts.envelope import build_event
from streams.contracts.registry import SchemaRegistry, load_registry
from streams.contracts.wire import decode, encode
from streams.settings import HubSettings
from streams.topics.admin import admin_client, ensure_topics
from streams.topics.catalogue import TopicSpec, catalogue
from tests.benchmarks.topics import deleting_topics_named
from tests.benchmarks.worker import Snapshots
from tests.benchmarks.workers import HALVES, LAYOUTS, Workers, worker_command
from tests.examples import example_record

CHANGELOG_RECORDS = 1_000_000
#: in the name of every topic, app and connector of this run: its topics are deleted at its end
#: (another run at the same time keeps its own)
RUN_MARK = f"bench-{uuid.uuid4().hex[:6]}-"
#: how often the aggregates are compared with the truth
TRUTH_POLL_S = 1.0


def _fresh(part: str) -> str:
    """A name of this run's, unique within it."""
    return f"{RUN_MARK}{part}{uuid.uuid4().hex[:6]}"


@dataclass
class Row:
    name: str
    hub: str
    baseline: str = ""
    ratio: str = ""
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    #: on the broker when the run began: clients that ask for the whole cluster's metadata
    #: pay for each (a worker's start does, ~35 times: docs/benchmarks.md)
    topics_before: int = 0
    workers: tuple[str, ...] = ()

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"{row.name}: {row.hub}  {row.baseline}  {row.ratio}  {row.note}", flush=True)

    def _layout(self) -> str:
        if self.workers == HALVES:
            return "its two halves (`--role aggregates`, `--role alerts`) side by side"
        return "one worker"

    def markdown(self, scale: float, seconds: float) -> str:
        lines = [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, one local Kafka "
            f"node holding {self.topics_before:,} topics when the run began, generated year at "
            f"scale {scale:g}, the hub as {self._layout()}; the whole run took "
            f"{seconds / 60:.0f} min.",
            "",
            "| benchmark | injury-hub | raw baseline (same run, same broker) | ratio | note |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.name} | {r.hub} | {r.baseline} | {r.ratio} | {r.note} |" for r in self.rows
        ]
        return "\n".join(lines) + "\n"


class Hub:
    """One broker, one replayed year under a fresh prefix."""

    def __init__(self, settings: HubSettings, root: Path, roles: tuple[str, ...]) -> None:
        self.settings, self.root, self.roles = settings, root, roles
        self.registry = load_registry(settings.schemas_path)
        self.env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": settings.bootstrap,
                    "INJURYHUB_STATE_DIR": str(root / "state")}  # fmt: skip

    def cli(self, *arguments: str) -> str:
        done = subprocess.run([sys.executable, "-m", "injuryhub", *arguments], env=self.env,
                              check=True, capture_output=True, text=True)  # fmt: skip
        return done.stdout

    def generate(self, scale: float, prefix: str) -> tuple[Path, dict[str, Any]]:
        """A generated year's folder and its truth."""
        folder = self.root / f"year-{prefix}{scale:g}"  # P3 generates the P1/P2 scale again
        self.cli("generate", "--out", str(folder), "--year", "2025", "--seed", "3",
                 "--scale", str(scale))  # fmt: skip
        return folder, json.loads((folder / "ground_truth.json").read_text("utf-8"))

    def year(self, scale: float, prefix: str) -> tuple[dict[str, Any], float]:
        """Generate and replay a year; its truth and the replay's seconds."""
        folder, truth = self.generate(scale, prefix)
        began = time.perf_counter()
        self.cli("replay", str(folder), "--topic-prefix", prefix)
        return truth, time.perf_counter() - began

    def catalogue_prefix(self, part: str) -> str:
        """A fresh prefix of this run's, with every catalogue topic created under it."""
        prefix = f"{_fresh(part)}."
        ensure_topics(self.settings.bootstrap, catalogue(), 1, prefix)
        return prefix

    def workers(self, prefix: str, app_id: str, roles: tuple[str, ...] | None = None) -> Workers:
        """The hub's worker processes (not started) of a fresh app on ``prefix``'s topics, each
        logging into a folder of its own."""
        logs = self.root / f"logs-{app_id}"
        logs.mkdir(parents=True, exist_ok=True)
        return Workers(worker_command(prefix, app_id), self.env, logs, roles or self.roles)


def _department_topics(prefix: str) -> list[str]:
    return [prefix + spec.name for spec in catalogue() if spec.name.startswith("dept.")]


ACCIDENT_HEADER = (
    "事故编号,事故发生时间,报告时间,统一社会信用代码,行政区划代码,行业代码,事故类别,"
    "死亡人数,重伤人数,轻伤人数,受害人数,直接经济损失(万元),事故等级,事故简况"
)
ACCIDENT_ROW = (
    "BENCH-{n},2025-03-{d:02d} 09:30,2025-03-{d:02d} 11:00,91350100M000100Y43,370211,C3311,"
    "高处坠落,0,1,0,1,12.5,一般事故,脚手架坠落"
)


def p1_one_connector(hub: Hub, rows: int) -> tuple[float, float]:
    """Records/s of the accident-report connector over a CSV of ``rows`` records, in this
    process (no start-up in the figure), onto topics of its own; and the mean size of what it
    published."""
    prefix = hub.catalogue_prefix("p1-")
    path = hub.root / "accidents.csv"
    lines = [ACCIDENT_HEADER, *(ACCIDENT_ROW.format(n=n, d=n % 28 + 1) for n in range(rows))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = hub.settings
    name = _fresh("")
    contracts = load_contracts(settings)
    connector = build_connector(
        settings, contracts, "emergency.accident-report", name=name, topic_prefix=prefix
    )
    try:
        began = time.perf_counter()
        report = connector.run(CsvSource(path))
        seconds = time.perf_counter() - began
    finally:
        connector.producer.close()
    topic = prefix + "dept.emergency.accident-report.v1"
    sizes = [len(r.value or b"") for r in asyncio.run(read_to_end(settings.bootstrap, topic))]
    return report.this_run_read / seconds, statistics.fmean(sizes)


def p1_raw_producer(settings: HubSettings, messages: int, size: int) -> float:
    """Messages/s of a plain acks=all producer sending pre-encoded bytes."""
    topic = _fresh("raw-")
    ensure_topics(settings.bootstrap, [TopicSpec(f"hub.{topic}", "hub", "raw", 6)], 1)
    payload = os.urandom(size)
    with make_producer(settings.bootstrap, "bench-raw") as producer:  # idempotent, as connectors
        began = time.perf_counter()
        for n in range(messages):
            producer.send(f"hub.{topic}", key=b"%d" % n, value=payload)
        producer.flush()
        return messages / (time.perf_counter() - began)


async def p2_raw_consume(
    settings: HubSettings,
    registry: SchemaRegistry,
    prefix: str,
    outputs_per_event: float = 0.0,
    output_size: int = 0,
) -> float:
    """Events/s of one aiokafka consumer reading every department topic and decoding each; with
    ``outputs_per_event``, it also publishes that many pre-encoded messages of ``output_size``
    bytes per event (acks=all, idempotent): the fastest a worker that does nothing else than
    publish what the hub publishes could go, with the same clients."""
    consumer = AIOKafkaConsumer(*_department_topics(prefix), bootstrap_servers=settings.bootstrap,
                                group_id=None, auto_offset_reset="earliest",
                                isolation_level="read_committed")  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap, acks="all",
                                enable_idempotence=True, linger_ms=5)  # fmt: skip
    output = f"hub.{_fresh('ceiling-')}"
    if outputs_per_event:
        ensure_topics(settings.bootstrap, [TopicSpec(output, "hub", "ceiling", 6)], 1)
    payload = os.urandom(output_size)
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():
            await asyncio.sleep(0.05)
        parts = sorted(consumer.assignment())
        ends = await consumer.end_offsets(parts)
        began, decoded, published = time.perf_counter(), 0, 0
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            for messages in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                for message in messages:
                    decode(registry, message.value or b"")
                    decoded += 1
            while published < decoded * outputs_per_event:
                await producer.send(output, key=b"%d" % published, value=payload)
                published += 1
        await producer.flush()
        return decoded / (time.perf_counter() - began)
    finally:
        await consumer.stop()
        await producer.stop()


def _published_sizes(
    settings: HubSettings, prefix: str, topics: tuple[str, ...] = ()
) -> tuple[int, float]:
    """Messages on ``topics`` (the department topics if none), and their mean size in bytes."""
    names = [prefix + topic for topic in topics] or _department_topics(prefix)
    sizes = [len(r.value or b"") for topic in names
             for r in asyncio.run(read_to_end(settings.bootstrap, topic))]  # fmt: skip
    return len(sizes), statistics.fmean(sizes)


def p4_latency(hub: Hub, prefix: str, rate: float, count: int) -> tuple[list[float], float]:
    """``count`` fatal accident reports at ``rate``/s (``inf``: at once); the seconds from each
    send until an alert revision naming it is on hub.alerts (within 60 s of the last send), and
    the seconds from the first send to the last alert."""
    registry = hub.registry
    schema = registry.latest("emergency.accident-report")
    enterprises = [
        decode(registry, r.value or b"")[1]
        for r in asyncio.run(read_to_end(hub.settings.bootstrap, prefix + "hub.enterprises"))
    ]
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}

    async def watch(stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(prefix + "hub.alerts", bootstrap_servers=hub.settings.bootstrap,
                                    group_id=None, auto_offset_reset="latest")  # fmt: skip
        await consumer.start()
        try:
            while not stop.is_set() or len(seen) < len(sent):
                for messages in (await consumer.getmany(timeout_ms=200)).values():
                    for message in messages:
                        alert = decode(registry, message.value or b"")[1]
                        for event_id in alert["evidence_event_ids"]:
                            if event_id in sent and event_id not in seen:
                                seen[event_id] = time.perf_counter()
                if stop.is_set() and time.perf_counter() - stopped_at[0] > 60:
                    return  # what has not come within 60 s is counted as missing
        finally:
            await consumer.stop()

    stopped_at = [0.0]

    async def publish(stop: asyncio.Event) -> None:
        await asyncio.sleep(3)  # the watcher is at the end of hub.alerts
        with make_producer(hub.settings.bootstrap, "bench-p4", linger_ms=0) as producer:
            began = time.perf_counter()
            for n in range(count):
                enterprise = enterprises[n % len(enterprises)]
                record = example_record(schema)
                now = datetime.now(UTC)
                payload = {k: v for k, v in record.items() if k != "envelope"} | {
                    "enterprise_id": enterprise["uscc"], "district": enterprise["district"],
                    "industry": enterprise["industry"], "deaths": 1, "grade": "GENERAL",
                    "accident_id": f"P4-{uuid.uuid4().hex[:12]}",
                }  # fmt: skip
                event = build_event(schema.event_type, schema.version, "emergency", "bench",
                                    payload["accident_id"], payload["accident_id"], now, now,
                                    "bench-p4", payload)  # fmt: skip
                event_id = event["envelope"]["event_id"]
                producer.send(
                    prefix + "dept.emergency.accident-report.v1",
                    key=enterprise["uscc"].encode(),
                    value=encode(schema, event),
                )
                producer.flush()
                sent[event_id] = time.perf_counter()
                await asyncio.sleep(max(0.0, began + (n + 1) / rate - time.perf_counter()))
                # (at rate inf the sleep is 0: the watcher still gets its turn)
        stopped_at[0] = time.perf_counter()
        stop.set()

    async def both() -> None:
        stop = asyncio.Event()
        await asyncio.gather(watch(stop), publish(stop))

    asyncio.run(both())
    span = max(seen.values(), default=0.0) - min(sent.values())
    return sorted(seen[e] - sent[e] for e in seen), span


#: fatal accidents sent at once to find the rate the alerting sustains: enough to last tens of
#: seconds, as a burst of 100 no longer does now that the agents take batches (it measured
#: 71/s, and half of that, held for a minute, queued up for 20 s)
P4_BURST = 1000
#: the p99 latency the issue asks for, and how often the rate is halved to find where it holds
P4_TARGET_S = 1.0
P4_HALVINGS = 4


def p5_prefilled_restart(hub: Hub, prefix: str) -> tuple[float, float, float]:
    """Seconds from start to ready of a worker whose aggregate-cells changelog already holds
    10^6 records: with its stores empty (every record read back: a new machine), then again
    with the stores it just filled (a restart); and the fill's seconds."""
    app_id = _fresh("p5-")
    # the process that holds the cells: the aggregates half, or the one worker
    role = Role.AGGREGATES if hub.roles == HALVES else Role.ALL
    name = f"{role_app_id(app_id, role)}-aggregate-cells-changelog"  # Faust's name for it
    with admin_client(hub.settings.bootstrap) as admin:
        admin.create_topics([NewTopic(name, 6, 1, topic_configs={"cleanup.policy": "compact"})])
    value = json.dumps({"e": {"x": 1.0}}).encode()
    began = time.perf_counter()
    with make_producer(hub.settings.bootstrap, "bench-p5", enable_idempotence=False,
                       batch_size=256 * 1024, linger_ms=20) as producer:  # fmt: skip
        for n in range(CHANGELOG_RECORDS):
            producer.send(name, key=json.dumps(f"cell|{n}").encode(), value=value,
                          partition=n % 6)  # fmt: skip
        producer.flush()
    filled = time.perf_counter() - began
    workers = hub.workers(prefix, app_id, (role.value,))
    timed = []
    for start in (1, 2):  # with the stores empty, then on the stores the first start filled
        began = time.perf_counter()
        workers.start()
        try:
            workers.wait_ready(start)
            timed.append(time.perf_counter() - began)
        finally:
            workers.stop()
    return timed[0], timed[1], filled


def _ready_workers(hub: Hub, prefix: str) -> tuple[Workers, float]:
    """The hub's workers of a fresh app on ``prefix``'s topics, once ready; and their seconds
    from start to ready."""
    workers = hub.workers(prefix, _fresh(""))
    began = time.perf_counter()
    workers.start()
    try:
        workers.wait_ready(1)
    except BaseException:
        workers.kill()
        raise
    return workers, time.perf_counter() - began


def p3_year_in_service(hub: Hub, scale: float) -> tuple[float, int, float]:
    """A generated year from files to aggregates equal to its truth, with the worker running
    while the connectors publish, as in service: seconds from the replay's start; the events;
    the worker's start to ready (before the replay, not counted)."""
    prefix = hub.catalogue_prefix("p3-")
    folder, truth = hub.generate(scale, prefix)
    workers, ready = _ready_workers(hub, prefix)
    try:
        snapshots = Snapshots(hub.settings.bootstrap, hub.registry, prefix)
        began = time.perf_counter()
        hub.cli("replay", str(folder), "--topic-prefix", prefix)
        try:
            snapshots.wait_for(expected_monthly(truth), workers, TRUTH_POLL_S)
        finally:
            snapshots.close()
        events = sum(c["published"] for c in truth["connectors"].values())
        return time.perf_counter() - began, events, ready
    finally:
        workers.stop()


def run_worker_to_truth(hub: Hub, prefix: str, truth: dict[str, Any]) -> tuple[float, Workers]:
    """Start the hub's workers and wait until the aggregates equal the truth; the seconds from
    ready to the truth, and the workers (still running: the caller stops them)."""
    workers, _ = _ready_workers(hub, prefix)
    try:
        began = time.perf_counter()
        snapshots = Snapshots(hub.settings.bootstrap, hub.registry, prefix)
        try:
            snapshots.wait_for(expected_monthly(truth), workers, TRUTH_POLL_S)
        finally:
            snapshots.close()
        return time.perf_counter() - began, workers
    except BaseException:
        workers.kill()
        raise


def _p1_to_p5(hub: Hub, scale: float, results: Results) -> None:
    """P1, P2, P4 and P5 on a replayed year at ``scale``, into ``results``."""
    settings = hub.settings
    prefix = f"{_fresh('')}."
    truth, replay_s = hub.year(scale, prefix)
    connectors_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    events, mean_size = _published_sizes(settings, prefix)
    records = sum(c["read"] for c in truth["connectors"].values())
    connector_rate = records / replay_s
    one_rate, one_size = p1_one_connector(hub, 20_000)
    raw_one = p1_raw_producer(settings, 20_000, round(one_size))
    results.add(Row("P1 connector publish, one CSV", f"{one_rate:,.0f} records/s",
                    f"{raw_one:,.0f} msg/s", f"{one_rate / raw_one:.3f}",
                    f"20,000 accident reports, one connector in-process, {one_size:.0f} B per "
                    "event, transactions of 500"))  # fmt: skip
    raw = p1_raw_producer(settings, max(events, 20_000), round(mean_size))
    results.add(Row("P1 replay of a year", f"{connector_rate:,.0f} records/s",
                    f"{raw:,.0f} msg/s", f"{connector_rate / raw:.3f}",
                    f"{records:,} records of a scale-{scale:g} year, all 23 connectors "
                    f"(CSV, XLSX, SQL, HTTP push), {mean_size:.0f} B per event; includes the "
                    "process's start and each connector's set-up"))  # fmt: skip

    to_truth_s, workers = run_worker_to_truth(hub, prefix, truth)
    worker_rate = events / to_truth_s
    raw_consume = asyncio.run(p2_raw_consume(settings, hub.registry, prefix))
    results.add(Row("P2 hub aggregation", f"{worker_rate:,.0f} events/s",
                    f"{raw_consume:,.0f} events/s", f"{worker_rate / raw_consume:.4f}",
                    f"{events:,} events, ready to aggregates = truth"))  # fmt: skip
    outputs, output_size = _published_sizes(settings, prefix, ("hub.aggregates",))
    ceiling = asyncio.run(p2_raw_consume(settings, hub.registry, prefix, outputs / events,
                                         round(output_size)))  # fmt: skip
    results.add(Row("P2 ceiling: the hub's output alone", f"{ceiling:,.0f} events/s",
                    f"{raw_consume:,.0f} events/s", f"{ceiling / raw_consume:.3f}",
                    f"the raw loop also publishing the {outputs / events:.2f} messages per "
                    f"event ({output_size:.0f} B, pre-encoded) the worker published on "
                    "hub.aggregates, doing nothing else; the hub against it: "
                    f"{worker_rate / ceiling:.3f}"))  # fmt: skip

    # What the alerting path sustains: a burst of fatal accidents, each alerted.
    burst, span = p4_latency(hub, prefix, float("inf"), P4_BURST)
    if not burst:
        results.add(Row("P4 publish → alert",
                        f"no alert within 60 s of a burst of {P4_BURST:,}"))  # fmt: skip
    else:
        # Half the burst's rate; while that is more than the worker keeps up with (p99 over
        # P4_TARGET_S), half of that again, so the row shows the rate where it is met.
        burst_rate = len(burst) / span
        rate = burst_rate / 2
        for _ in range(P4_HALVINGS):
            count = max(20, int(rate * 60))
            latencies, _ = p4_latency(hub, prefix, rate, count)
            p50 = statistics.median(latencies) if latencies else float("nan")
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] \
                if latencies else float("nan")  # fmt: skip
            results.add(Row("P4 publish → alert", f"p50 {p50:.2f} s, p99 {p99:.2f} s", "",
                            "", f"{len(latencies)} of {count} fatal accidents alerted within "
                            f"60 s, sent at {rate:.1f}/s for a minute; a burst of "
                            f"{P4_BURST:,} came through at {burst_rate:.1f}/s"))  # fmt: skip
            if p99 <= P4_TARGET_S:
                break
            rate /= 2
    rss = workers.peak_rss_mib()
    workers.stop()
    held = "; ".join(f"worker {role} {mib:,.0f} MiB" for role, mib in rss.items())
    results.add(Row("peak memory", f"{held}; connectors {connectors_rss:,.0f} MiB", "", "",
                    "VmHWM of each worker after P4; ru_maxrss of the replay"))  # fmt: skip

    _p5(hub, prefix, results)


def _p3(hub: Hub, scale: float, results: Results) -> None:
    seconds, year_events, ready = p3_year_in_service(hub, scale)
    results.add(Row(f"P3 year at scale {scale:g}", f"{seconds:,.0f} s files → aggregates",
                    "", "", f"{year_events:,} events; the worker running through the "
                    f"replay (its start to ready, {ready:.0f} s, before it)"))  # fmt: skip


def _p5(hub: Hub, prefix: str, results: Results) -> None:
    cold_s, warm_s, filled_s = p5_prefilled_restart(hub, prefix)
    results.add(
        Row(
            "P5 worker restart",
            f"{cold_s:.1f} s to ready, stores lost; {warm_s:.1f} s with its stores",
            "",
            "",
            f"10^6 records in a table's changelog (written in {filled_s:.0f} s)",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05, help="the year P1, P2, P4 use")
    parser.add_argument("--write", type=Path, help="write the table into this markdown file")
    parser.add_argument("--p3-scales", type=float, nargs="+",
                        help="P3's years (default: --scale and twice it)")  # fmt: skip
    alone = parser.add_mutually_exclusive_group()
    alone.add_argument("--p3-only", action="store_true", help="P3 alone (a scale-1 year: ~20 min)")
    alone.add_argument("--p5-only", action="store_true",
                       help="P5 alone, on empty topics of its own (~1 min)")  # fmt: skip
    parser.add_argument("--workers", choices=LAYOUTS, default="one",
                        help="one worker (role all), or the hub's two halves")  # fmt: skip
    args = parser.parse_args()
    if (args.p3_only or args.p5_only) and args.write:
        parser.error("--p3-only and --p5-only print their rows; the table in --write needs "
                     "the whole run")  # fmt: skip
    settings = HubSettings()
    if not settings.bootstrap_servers:
        LocalCluster(settings).start()
    with admin_client(settings.bootstrap) as admin:
        results = Results(topics_before=len(admin.list_topics()), workers=LAYOUTS[args.workers])
    run_began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as temporary,
        deleting_topics_named(settings.bootstrap, RUN_MARK),
    ):
        hub = Hub(settings, Path(temporary), LAYOUTS[args.workers])
        if args.p5_only:
            _p5(hub, hub.catalogue_prefix("p5-"), results)
        else:
            if not args.p3_only:
                _p1_to_p5(hub, args.scale, results)
            for scale in args.p3_scales or (args.scale, args.scale * 2):
                _p3(hub, scale, results)
    table = results.markdown(args.scale, time.perf_counter() - run_began)
    print(table)
    if args.write:
        _write_results(args.write, table)


BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _write_results(path: Path, table: str) -> None:
    """Replace the results between the markers, keep the rest of the page."""
    text = path.read_text("utf-8") if path.exists() else f"{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{table}{END}{tail}", "utf-8")
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
