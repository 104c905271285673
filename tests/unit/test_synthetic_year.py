"""The synthetic city-year without a broker: deterministic, valid identifiers, the training
programme's targets and true effect, injected clusters, ground truth that adds up, and every
record of every native file judged by the connectors' own evaluation exactly as the truth says."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.evaluation import RecordEvaluator
from connectors.mapping import load_mapping
from connectors.pseudonym import Pseudonymiser
from connectors.synthetic.dataset import native_records
from connectors.synthetic.generate import (
    GenerateError,
    YearOptions,
    check_options,
    generate,
    plan_year,
)
from connectors.synthetic.truth import expected_aggregates
from injuryhub.wiring import MAPPINGS, load_contracts
from streams.contracts.identifiers import resident_id_problem, uscc_problem
from streams.settings import HubSettings

SETTINGS = HubSettings()
CONTRACTS = load_contracts(SETTINGS)


def _counts(options: YearOptions) -> dict[str, int]:
    ctx, _ = plan_year(options, CONTRACTS.codes)
    return {mapping: len(records) for mapping, records in ctx.planned.items()}


def test_the_same_seed_gives_the_same_year_and_another_seed_another() -> None:
    first, again = (
        plan_year(YearOptions(2025, 4, 0.01), CONTRACTS.codes)[0],
        plan_year(YearOptions(2025, 4, 0.01), CONTRACTS.codes)[0],
    )
    keys = {m: [p.natural_key for p in r] for m, r in first.planned.items()}
    assert keys == {m: [p.natural_key for p in r] for m, r in again.planned.items()}
    assert _counts(YearOptions(2025, 5, 0.01)) != _counts(YearOptions(2025, 4, 0.01))


def test_records_grow_linearly_with_scale() -> None:
    small = sum(_counts(YearOptions(2025, 8, 0.02)).values())
    double = sum(_counts(YearOptions(2025, 8, 0.04)).values())
    assert 1.8 < double / small < 2.2


def test_identifiers_are_valid_and_people_appear_only_where_the_contract_has_them() -> None:
    ctx, _ = plan_year(YearOptions(2025, 6, 0.01), CONTRACTS.codes)
    assert all(uscc_problem(e.uscc) is None for e in ctx.enterprises)
    people = [p.person_id for records in ctx.planned.values() for p in records if p.person_id]
    assert len(people) > 200
    assert all(resident_id_problem(person) is None for person in people)


def test_training_meets_the_programme_shape_and_has_its_true_effect() -> None:
    options = YearOptions(2025, 9, 0.1, training_effect=0.999)
    ctx, facts = plan_year(options, CONTRACTS.codes)
    training = facts["training"]
    assert training["completed"] == {
        "RESPONSIBLE_LEADER": 60, "SAFETY_MANAGER": 120, "TEAM_LEADER": 420,
    }  # fmt: skip
    assert training["targets_at_scale"] == training["completed"]
    months = training["training_month"]
    key = CONTRACTS.codes.industries.key_industry
    assert all(key(e.industry.code) for e in ctx.enterprises if e.uscc in months)

    def after_training(year_ctx: Any) -> int:
        return sum(
            1
            for p in year_ctx.planned["health.injury-treatment"]
            if p.payload["enterprise_id"] in months
            and p.occurred.month > months[p.payload["enterprise_id"]]
            and p.occurred.month != 9  # the injected surge ignores training
        )

    untrained_ctx, _ = plan_year(YearOptions(2025, 9, 0.1, training_effect=0.0), CONTRACTS.codes)
    assert after_training(untrained_ctx) > 20
    assert after_training(ctx) <= 2


def test_injected_clusters_are_there() -> None:
    ctx, facts = plan_year(YearOptions(2025, 2, 0.01), CONTRACTS.codes)
    clusters = {cluster["kind"]: cluster for cluster in facts["clusters"]}
    repeat = clusters["repeat-accident-enterprise"]
    reports = [p for p in ctx.planned["emergency.accident-report"]
               if p.payload["enterprise_id"] == repeat["enterprise_id"]]  # fmt: skip
    assert len(reports) >= 4
    od = clusters["occupational-disease-cluster"]
    assert len(od["records"]) == 5
    exceedance = clusters["hazard-exceedance"]
    over = [p for p in ctx.planned["health.hazard-measurement"]
            if p.natural_key in {r["natural_key"] for r in exceedance["records"]}]  # fmt: skip
    limits = CONTRACTS.codes.hazard_factors
    assert all(
        p.payload["value"] > 2 * limits[p.payload["hazard_factor"]].limits[0].value for p in over
    )


def test_a_year_that_is_not_over_is_refused() -> None:
    with pytest.raises(GenerateError, match="--year 2026: the year and the seven months after"):
        check_options(YearOptions(2026, 1), date(2026, 11, 28))
    check_options(YearOptions(2025, 1), date(2026, 11, 28))


@pytest.fixture(scope="module", params=[31, 32, 33])
def generated(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[Path, dict[str, Any]]:
    """Small years of several seeds: where a spoiled copy could by chance stay valid, a seed
    would show it."""
    folder = tmp_path_factory.mktemp("year")
    options = YearOptions(2025, request.param, 0.01)
    return folder, generate(folder, options, CONTRACTS.codes, MAPPINGS)


def test_ground_truth_adds_up(generated: tuple[Path, dict[str, Any]]) -> None:
    _, truth = generated
    assert len(truth["bad_record_kinds"]) >= 25
    for topic, cells in truth["by_district_industry_month"].items():
        assert sum(cells.values()) == truth["topics"][topic]
    dead_letters = sum(n for topic, n in truth["topics"].items() if topic.startswith("hub.dlq."))
    assert dead_letters == len(truth["bad_records"])
    for counts in truth["connectors"].values():
        assert counts["read"] == counts["published"] + counts["rejected"]


def test_every_native_record_is_judged_as_the_ground_truth_says(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    """Good records make events; each bad one is refused with its own reason (no broker)."""
    folder, truth = generated
    bad = {(b["mapping"], b["position"]): b for b in truth["bad_records"]}
    pseudonymiser = Pseudonymiser(SETTINGS.pseudonym_key)
    for mapping_name, records in native_records(folder).items():
        mapping = load_mapping(MAPPINGS / f"{mapping_name}.yaml", CONTRACTS.codes)
        schema = CONTRACTS.registry.latest(mapping.spec.event_type)
        evaluator = RecordEvaluator(
            mapping_name, mapping, schema, CONTRACTS.validator, pseudonymiser
        )
        published = 0
        for record in records:
            outcome = evaluator.evaluate(record)
            expected = bad.pop((mapping_name, record.position), None)
            if expected is None:
                assert isinstance(outcome, dict), (record.position, outcome)
                published += 1
            else:
                assert isinstance(outcome, list), (expected["kind"], record.position)
                assert any(expected["reason_contains"] in reason for reason in outcome), outcome
        assert published == truth["connectors"][mapping_name]["published"]
    assert bad == {}, "bad records the files do not hold"


def test_accidents_reported_twice_are_linked_and_counted_once() -> None:
    ctx, _ = plan_year(YearOptions(2025, 12, 0.2), CONTRACTS.codes)
    sectors = ("emergency.accident-report", "housing.construction-accident", "transport.accident")
    reports = [p for m in sectors for p in ctx.planned[m]]
    by_key: dict[tuple[str, Any, str], list[str]] = {}
    for report in reports:
        key = (
            report.payload["enterprise_id"],
            report.occurred.replace(second=0),
            report.payload["accident_type"],
        )
        by_key.setdefault(key, []).append(report.natural_key)
    pairs = sorted(sorted(keys) for keys in by_key.values() if len(keys) > 1)
    linked = sorted(sorted([a.natural_key, b.natural_key]) for a, b in ctx.accident_links)
    assert pairs == linked and len(linked) > 5  # the link rule finds exactly the twins
    assert all(len(keys) <= 2 for keys in by_key.values())
    truth = expected_aggregates(ctx)
    assert sum(c.get("accidents", 0) for c in truth.values()) == len(reports) - len(linked)
    assert sum(c.get("accident_reports", 0) for c in truth.values()) == len(reports)
    decided = [p for p in ctx.planned["hrss.injury-recognition"]
               if p.payload["decision"] in ("RECOGNISED", "DEEMED")]  # fmt: skip
    assert sum(c.get("recognised_injuries", 0) for c in truth.values()) == len(decided)
    march = sum(c.get("insured", 0) for key, c in truth.items() if key.startswith("2025-03|"))
    assert march == sum(
        p.payload["insured_count"]
        for p in ctx.planned["hrss.insured-headcount"]
        if p.payload["month"].month == 3
    )
