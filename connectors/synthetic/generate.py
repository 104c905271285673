"""`injuryhub generate`: a synthetic city-year in each department's native format, with its
ground truth. Deterministic for a seed; time and memory linear in ``scale``."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from connectors.mapping import Mapping, load_mapping
from connectors.synthetic import injuries, inspections, occupational, programme, workforce
from connectors.synthetic.clusters import inject_clusters
from connectors.synthetic.context import ZONE, YearContext
from connectors.synthetic.native import NativeWriter
from connectors.synthetic.outputs import OUTPUTS, Output
from connectors.synthetic.plan import Planned
from connectors.synthetic.profile import ENTERPRISES_AT_SCALE_1, TRAINING_TARGETS
from connectors.synthetic.registry import make_registry, registry_records
from connectors.synthetic.spoil import KINDS, Bad
from connectors.synthetic.truth import AGGREGATE_METRICS, accident_facts, expected_aggregates
from connectors.synthetic.writers import Row, SqlTable, write_csv, write_http, write_sql, write_xlsx
from streams.contracts.codes import CodeLists
from streams.topics.catalogue import dlq_topic

GROUND_TRUTH = "ground_truth.json"
MANIFEST = "manifest.json"
HTTP_BATCH = 200
_SQL_TYPES = {"int": "BIGINT", "float": "DOUBLE PRECISION", "bool": "BOOLEAN"}


@dataclass(frozen=True)
class YearOptions:
    year: int
    seed: int
    scale: float = 1.0
    training_effect: float = 0.30  # relative fall of a trained enterprise's injury rate
    bad_records: bool = True


class GenerateError(ValueError):
    """The options cannot make a year; the message says which and why."""


def latest_year(today: date) -> int:
    """The latest year whose consequences (up to seven months later) are all in the past."""
    return today.year - 1 if today >= date(today.year, 8, 1) else today.year - 2


def check_options(options: YearOptions, today: date) -> None:
    # Consequences (decisions, payments, appraisals) run up to seven months past the year; none
    # may lie in the future, or the hub would rightly refuse them.
    if options.year > latest_year(today):
        raise GenerateError(
            f"--year {options.year}: the year and the seven months after it must be over "
            f"(its decisions and payments come later); use {latest_year(today)} or earlier"
        )
    if not 0.001 <= options.scale <= 100:
        raise GenerateError(f"--scale {options.scale}: use 0.001 to 100 (1 = a Qingdao-sized year)")
    if not 0 <= options.training_effect < 1:
        raise GenerateError("--training-effect: a relative fall from 0 (none) to below 1")


def plan_year(options: YearOptions, codes: CodeLists) -> tuple[YearContext, dict[str, Any]]:
    rng = random.Random(options.seed)  # noqa: S311 -- synthetic data, reproducible by seed
    count = max(50, round(ENTERPRISES_AT_SCALE_1 * options.scale))
    enterprises = make_registry(rng, count, options.year)
    ctx = YearContext(rng, options.year, enterprises, codes)
    for record in registry_records(enterprises, options.year):
        ctx.add(record)
    trained = programme.training(ctx, options.scale)
    injuries.simulate_injuries(ctx, trained, options.training_effect)
    injuries.ensure_accident_reports(ctx)
    injuries.simulate_occupational_disease(ctx)
    inspections.inspections(ctx)
    occupational.occupational_health(ctx)
    workforce.worker_voice(ctx)
    workforce.insured_headcounts(ctx)
    programme.money(ctx, options.scale)
    clusters = inject_clusters(ctx)
    troubled = {
        p.payload["enterprise_id"]
        for mapping in injuries.ACCIDENT_MAPPINGS.values()
        for p in ctx.planned[mapping]
    }
    programme.nominations(ctx, trained, troubled)
    categories = Counter(p.payload["category"] for p in ctx.planned["hrss.training-completion"])
    facts = {
        "clusters": clusters,
        "training": {
            "targets_at_scale": {
                k: max(1, round(v * options.scale)) for k, v in TRAINING_TARGETS.items()
            },
            "completed": dict(sorted(categories.items())),
            "trained_enterprises": len(trained),
            "true_effect": {
                "relative_fall_of_injury_rate": options.training_effect,
                "applies": "from the month after an enterprise's training month",
            },
            "training_month": dict(sorted(trained.items())),
        },
    }
    return ctx, facts


def generate(
    out: Path, options: YearOptions, codes: CodeLists, mappings_dir: Path
) -> dict[str, Any]:
    ctx, facts = plan_year(options, codes)
    # Its own stream, so that the bad-input corpus does not shift the year's draws.
    rng = random.Random(options.seed + 1)  # noqa: S311 -- synthetic data
    mappings = {o.mapping: load_mapping(mappings_dir / f"{o.mapping}.yaml", codes) for o in OUTPUTS}
    rows_by_mapping: dict[str, list[Row]] = {}
    for output in OUTPUTS:
        writer = NativeWriter(mappings[output.mapping], codes, output.style)
        good = sorted(ctx.planned[output.mapping], key=lambda p: p.reported)
        kinds = (
            [k for k, (m, _, _) in KINDS.items() if m == output.mapping]
            if options.bad_records
            else []
        )
        rows_by_mapping[output.mapping] = _with_bad_rows(writer, good, kinds, rng)
    positions = _write(out, rows_by_mapping, mappings, codes)
    truth = _ground_truth(options, ctx, facts, mappings, rows_by_mapping, positions)
    manifest = [
        {
            "mapping": o.mapping,
            "kind": o.kind,
            "path": o.path,
            "encoding": o.encoding,
            "table": o.table,
            "updated_column": o.updated_column,
        }
        for o in OUTPUTS
    ]
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out / GROUND_TRUTH).write_text(
        json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return truth


def _with_bad_rows(
    writer: NativeWriter, good: list[Planned], kinds: list[str], rng: random.Random
) -> list[Row]:
    """The good rows in entry order with the bad ones mixed in: a copy of a good record with one
    fault and its own number, placed after the record it copies (a truncation comes last)."""
    ordered: list[tuple[float, Row]] = [(i, Row(writer.row(p))) for i, p in enumerate(good)]
    for number, kind in enumerate(kinds, start=1):
        _, spoiler, layout = KINDS[kind]
        index = rng.randrange(len(good))
        original = ordered[index][1].values
        if layout == "repeat":
            values = dict(original)
        else:
            # A conflicting key needs other content: another record (the next one, cyclically).
            other = good[(index + 1) % len(good)] if layout == "same-key" else good[index]
            copy = replace(
                other, natural_key=f"{other.natural_key}X{number}", payload=dict(other.payload)
            )
            values = writer.row(copy)
            if layout == "same-key":
                values[writer.mapping.spec.natural_key] = original[writer.mapping.spec.natural_key]
        reason = spoiler(values, writer, rng)
        place = float("inf") if layout == "truncated" else rng.uniform(index + 0.5, len(good))
        ordered.append((place, Row(values, Bad(kind, reason, layout))))
    ordered.sort(key=lambda pair: pair[0])
    return [row for _, row in ordered]


def _write(
    out: Path, rows: dict[str, list[Row]], mappings: dict[str, Mapping], codes: CodeLists
) -> dict[str, list[str]]:
    """Writes every file; returns each mapping's row positions as its connector names them."""
    positions: dict[str, list[str]] = {}
    sql: dict[str, list[tuple[Output, SqlTable]]] = defaultdict(list)
    http: dict[str, list[Output]] = defaultdict(list)
    for output in OUTPUTS:
        path = out / output.path
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = NativeWriter(mappings[output.mapping], codes, output.style)
        header = writer.columns((output.updated_column,) if output.updated_column else ())
        if output.kind == "csv":
            positions[output.mapping] = write_csv(
                path, header, rows[output.mapping], output.encoding
            )
        elif output.kind == "xlsx":
            positions[output.mapping] = write_xlsx(path, header, rows[output.mapping], output.table)
        elif output.kind == "sql":
            types = {
                f.column: _SQL_TYPES[f.type]
                for f in writer.mapping.spec.fields.values()
                if f.column and f.type in _SQL_TYPES
            }
            if output.updated_column:
                types[output.updated_column] = "TIMESTAMP"
            sql[output.path].append(
                (output, SqlTable(output.table, header, types, rows[output.mapping]))
            )
        else:
            http[output.path].append(output)
    for seed, tables in sql.items():
        written = write_sql(out / seed, [table for _, table in tables])
        for output, table in tables:
            positions[output.mapping] = written[table.name]
    for replay_file, outputs in http.items():
        requests = []
        for output in outputs:
            mapping_rows = rows[output.mapping]
            for start in range(0, len(mapping_rows), HTTP_BATCH):
                request_id = f"{output.mapping}-{start // HTTP_BATCH + 1:05d}"
                requests.append(
                    (output.mapping, request_id, mapping_rows[start : start + HTTP_BATCH])
                )
        for (mapping, _, _), request_positions in zip(
            requests, write_http(out / replay_file, requests), strict=True
        ):
            positions.setdefault(mapping, []).extend(request_positions)
    return positions


def _ground_truth(
    options: YearOptions,
    ctx: YearContext,
    facts: dict[str, Any],
    mappings: dict[str, Mapping],
    rows: dict[str, list[Row]],
    positions: dict[str, list[str]],
) -> dict[str, Any]:
    topics: Counter[str] = Counter()
    connectors: dict[str, dict[str, int]] = {}
    breakdown: dict[str, dict[str, int]] = {}
    bad_records = []
    for output in OUTPUTS:
        mapping = mappings[output.mapping]
        topic = mapping.spec.event_topic
        good = ctx.planned[output.mapping]
        topics[topic] += len(good)
        bad = [
            (row, position)
            for row, position in zip(rows[output.mapping], positions[output.mapping], strict=True)
            if row.bad
        ]
        topics[dlq_topic(mapping.spec.department)] += len(bad)
        connectors[output.mapping] = {
            "read": len(good) + len(bad),
            "published": len(good),
            "rejected": len(bad),
        }
        cells = Counter(
            f"{p.district}|{p.industry}|{p.occurred.astimezone(ZONE):%Y-%m}" for p in good
        )
        breakdown[topic] = dict(sorted(cells.items()))
        for row, position in bad:
            assert row.bad is not None
            bad_records.append(
                {
                    "kind": row.bad.kind,
                    "mapping": output.mapping,
                    "source": output.path,
                    "position": position,
                    "dead_letter_topic": dlq_topic(mapping.spec.department),
                    "reason_contains": row.bad.reason,
                }
            )
    return {
        "year": options.year,
        "seed": options.seed,
        "scale": options.scale,
        "enterprises": len(ctx.enterprises),
        "topics": dict(sorted(topics.items())),
        "connectors": connectors,
        "bad_record_kinds": sorted({b["kind"] for b in bad_records}),
        "bad_records": bad_records,
        **facts,
        "by_district_industry_month": breakdown,
        "accidents": accident_facts(ctx),
        "aggregates_by_month_district_industry": {
            "metrics": list(AGGREGATE_METRICS),
            "cells": expected_aggregates(ctx),
        },
    }
