"""The demo's second half: a real worker runs the hub's agents over the replayed year until its
aggregates equal the ground truth, every injected cluster has raised its alert and the bulletins
are written; then the thematic database is synced and all of it is shown."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.markdown import Markdown
from rich.table import Table

from agents.aggregation.reconcile import (
    MonthlyCells,
    city_month,
    expected_monthly,
    monthly_from_snapshots,
)
from agents.thematic.sink import ThematicDatabase, sink_topics, sync, table_counts
from injuryhub.alerts_cli import latest_alerts
from injuryhub.bulletins_cli import latest_bulletins
from injuryhub.console import UserFacingError, console
from injuryhub.wiring import build_recorder
from injuryhub.worker_process import running_worker
from streams.clients import latest_per_key, read_to_end
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import decode
from streams.governance.provenance import verify
from streams.governance.recorder import read_log
from streams.settings import HubSettings
from streams.topics.catalogue import DEPARTMENTS, dlq_topic

SETTLED_S = 15.0  # bulletins count as written once none has been added for this long
RANK = {"RED": 0, "ORANGE": 1, "YELLOW": 2, "BLUE": 3}


@dataclass
class HubRun:
    aggregated_s: float  # worker start -> aggregates equal the truth
    alerts: dict[str, dict[str, Any]]  # alert id -> newest revision
    bulletins: dict[str, dict[str, Any]]  # period key -> newest bulletin
    monthly: MonthlyCells


class _Deadline:
    def __init__(self, worker: Any, log: Any, timeout: float) -> None:
        self.worker, self.log, self.until = worker, log, time.monotonic() + timeout

    def wait(self, done: Callable[[], bool], what: str) -> None:
        while not done():
            if self.worker.poll() is not None:
                raise UserFacingError(
                    f"the worker exited with {self.worker.returncode}; see {self.log}"
                )
            if time.monotonic() > self.until:
                raise TimeoutError(f"the worker did not {what} in time; see {self.log}")
            time.sleep(1)


def _read(settings: HubSettings, topic: str) -> list[Any]:
    return asyncio.run(read_to_end(settings.bootstrap, topic, auth=settings.kafka_auth))


def _raised(cluster: dict[str, Any], alerts: dict[str, dict[str, Any]]) -> bool:
    subject = cluster.get("enterprise_id") or f"{cluster['district']}|{cluster['industry']}"
    return any(alert_id.split("/")[1] == subject for alert_id in alerts)


def run_hub(
    settings: HubSettings, registry: SchemaRegistry, truth: dict[str, Any], timeout: float
) -> HubRun:
    expected = expected_monthly(truth)
    log = settings.state_dir.resolve() / "demo-worker.log"

    def monthly() -> MonthlyCells:
        snapshots = latest_per_key(_read(settings, "hub.aggregates")).values()
        return monthly_from_snapshots(registry, snapshots)

    began = time.monotonic()
    with running_worker([], log) as worker:
        console.print(f"Faust worker running the hub's agents (pid {worker.pid}, log {log})")
        deadline = _Deadline(worker, log, timeout)
        deadline.wait(lambda: monthly() == expected, "reach the ground truth's aggregates")
        aggregated_s = time.monotonic() - began
        console.print(f"aggregates equal ground_truth.json after {aggregated_s:.1f} s")

        def every_cluster_raised() -> bool:
            alerts = latest_alerts(settings, registry, "")  # one read of hub.alerts per poll
            return all(_raised(cluster, alerts) for cluster in truth["clusters"])

        deadline.wait(every_cluster_raised, "raise an alert for every injected cluster")
        seen = {"count": -1, "since": time.monotonic()}

        def settled() -> bool:
            count = len(latest_bulletins(settings, registry, ""))
            if count != seen["count"]:
                seen.update(count=count, since=time.monotonic())
            return count > 0 and time.monotonic() - seen["since"] > SETTLED_S

        deadline.wait(settled, "write the bulletins")
        alerts = latest_alerts(settings, registry, "")
        return HubRun(aggregated_s, alerts, latest_bulletins(settings, registry, ""), monthly())


def show_aggregates(run: HubRun, truth: dict[str, Any]) -> None:
    expected = expected_monthly(truth)
    table = Table(title="city by month: hub.aggregates = ground_truth.json")
    names = ("accidents", "deaths", "recognised_injuries", "od_diagnoses", "training_completions")
    for column in ("month", *names):
        table.add_column(column, justify="right")
    for month in sorted({key.split("|")[0] for key in expected}):
        table.add_row(month, *(
            f"{city_month(run.monthly, month, n):,.0f}"
            + ("" if city_month(run.monthly, month, n) == city_month(expected, month, n)
               else " [red]≠ truth[/red]")
            for n in names
        ))  # fmt: skip
    console.print(table)
    events = sum(c["published"] for c in truth["connectors"].values())
    console.print(
        f"the worker aggregated {events:,} events in {run.aggregated_s:.1f} s "
        f"({events / run.aggregated_s:,.0f} events/s, including its start-up)"
    )


def show_alerts(run: HubRun, truth: dict[str, Any]) -> None:
    by_rule = Counter((a["rule"], a["severity"]) for a in run.alerts.values())
    table = Table(title=f"hub.alerts: {len(run.alerts)} alerts by rule and severity")
    for column in ("rule", "severity", "alerts"):
        table.add_column(column)
    for (rule, severity), count in sorted(by_rule.items(), key=lambda x: (RANK[x[0][1]], x[0])):
        table.add_row(rule, severity, str(count))
    console.print(table)
    console.print(f"every one of the {len(truth['clusters'])} injected clusters raised its alert")
    worst = sorted(run.alerts.values(), key=lambda a: (RANK[a["severity"]], a["alert_id"]))[:5]
    for alert in worst:
        console.print(f"  [{alert['severity']}] {alert['message_zh']}")


def show_bulletins(run: HubRun) -> None:
    periods = Counter(b["period"] for b in run.bulletins.values())
    console.print(
        "hub.bulletins: " + ", ".join(f"{n} {p.lower()}ly" for p, n in sorted(periods.items()))
    )
    weeks = sorted(key for key in run.bulletins if key.startswith("WEEK|"))
    if weeks:
        latest = run.bulletins[weeks[-1]]["markdown_zh"].split("\n")
        console.print(Markdown("\n".join(latest[:30])))


def show_rejects(settings: HubSettings, registry: SchemaRegistry) -> None:
    counts: Counter[str] = Counter()
    examples: list[str] = []
    for dept in DEPARTMENTS:
        for record in _read(settings, dlq_topic(dept)):
            _, letter = decode(registry, record.value or b"")
            counts[dept] += 1
            if len(examples) < 4 and counts[dept] == 1:
                examples.append(f"  {letter['source']} {letter['position']}: "
                                f"{'; '.join(letter['reasons'])}")  # fmt: skip
    console.print(
        f"dead letters: {sum(counts.values()):,} "
        f"({', '.join(f'{d} {n}' for d, n in counts.most_common())}), for example:"
    )
    for example in examples:
        console.print(example, markup=False)


def sync_thematic(settings: HubSettings, registry: SchemaRegistry) -> None:
    database = ThematicDatabase(settings.thematic_path, registry)
    try:
        report = sync(database, settings.bootstrap, sink_topics(), auth=settings.kafka_auth)
        counts = dict(table_counts(database))
    finally:
        database.close()
    busiest = sorted(counts.items(), key=lambda kv: -kv[1])[:6]
    console.print(
        f"thematic database {settings.thematic_path}: {report.total:,} rows written now, "
        f"{sum(counts.values()):,} in {len(counts)} tables (largest: "
        + ", ".join(f"{name} {rows:,}" for name, rows in busiest)
        + ")"
    )


def show_provenance(settings: HubSettings) -> None:
    """Bring the provenance log up to date with everything the demo published, and check it."""
    recorder = build_recorder(settings, "")
    added = recorder.record()
    items = read_log(settings.bootstrap, recorder.log_topic, settings.kafka_auth)
    verdict = verify(items, recorder.key)
    state = "intact" if verdict.intact else f"[red]NOT intact: {verdict.problem}[/red]"
    console.print(f"provenance log ({recorder.log_topic}): {added:,} entries added, "
                  f"{verdict.entries:,} in all, {verdict.seals} seals, {state} "
                  "(`injuryhub audit verify`)")  # fmt: skip
