"""The year's expected aggregates, computed from what was planned (not from what the hub will
compute): per month × district × industry, each real accident once however many departments
reported it, so the agents' aggregates can be checked against them exactly."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from connectors.synthetic.context import ZONE, YearContext
from connectors.synthetic.injuries import ACCIDENT_MAPPINGS
from connectors.synthetic.plan import Planned

#: the metrics the truth holds, per month × district × industry
AGGREGATE_METRICS = (
    "accidents", "accident_reports", "deaths", "serious_injuries", "injury_applications",
    "recognised_injuries", "od_diagnoses", "pneumoconiosis", "hazards_found",
    "hazards_rectified_on_time", "training_completions", "insured",
)  # fmt: skip


def _cell(record: Planned) -> str:
    return f"{record.occurred.astimezone(ZONE):%Y-%m}|{record.district}|{record.industry}"


def expected_aggregates(ctx: YearContext) -> dict[str, dict[str, int]]:
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(record: Planned, **metrics: int) -> None:
        for name, value in metrics.items():
            cells[_cell(record)][name] += value

    twins = {id(twin) for _, twin in ctx.accident_links}
    for mapping in dict.fromkeys(ACCIDENT_MAPPINGS.values()):
        for report in ctx.planned[mapping]:
            add(report, accident_reports=1)
            if id(report) not in twins:  # the second report of an accident adds no accident
                payload = report.payload
                add(report, accidents=1, deaths=payload["deaths"],
                    serious_injuries=payload["serious_injuries"])  # fmt: skip
    for record in ctx.planned["hrss.injury-recognition"]:
        decided = record.payload["decision"] in ("RECOGNISED", "DEEMED")
        add(record, injury_applications=1, recognised_injuries=int(decided))
    for record in ctx.planned["health.od-diagnosis"]:
        add(record, od_diagnoses=1, pneumoconiosis=int(record.payload["category"] == "01"))
    for record in ctx.planned["emergency.hazard-inspection"]:
        rectified = record.payload["rectified_on"]
        on_time = rectified is not None and rectified <= record.payload["deadline"]
        add(record, hazards_found=1, hazards_rectified_on_time=int(on_time))
    for record in ctx.planned["hrss.training-completion"]:
        add(record, training_completions=1)
    for record in ctx.planned["hrss.insured-headcount"]:
        add(record, insured=record.payload["insured_count"])
    return {
        key: {name: value for name, value in metrics.items() if value}
        for key, metrics in sorted(cells.items())
    }


def accident_facts(ctx: YearContext) -> dict[str, Any]:
    reports = sum(len(ctx.planned[m]) for m in dict.fromkeys(ACCIDENT_MAPPINGS.values()))
    return {
        "reports": reports,
        "distinct": reports - len(ctx.accident_links),
        "linked_reports": [
            [
                {"mapping": first.mapping, "natural_key": first.natural_key},
                {"mapping": second.mapping, "natural_key": second.natural_key},
            ]
            for first, second in ctx.accident_links
        ],
        "link_rule": "same enterprise, same occurred minute, same GB 6441 accident type",
    }
