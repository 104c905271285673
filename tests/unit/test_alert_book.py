"""The alert book: one open alert per rule and subject, its lifecycle, and what feeds it
(weekly series off the aggregate cells, the expert registry, threshold overrides)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.aggregation.metrics import Contribution
from agents.aggregation.rollup import roll_up
from agents.aggregation.windows import CITY_ZONE, WindowKind, tumbling
from agents.alerting.aberration import AberrationThresholds
from agents.alerting.book import (
    Action,
    ActionRefused,
    add_finding,
    apply_action,
    empty_book,
    subject_key_of,
)
from agents.alerting.experts import ExpertRegistryError, experts_for, load_experts
from agents.alerting.findings import ENTERPRISE, Finding, Subject
from agents.alerting.limits import alert_limits
from agents.alerting.surveillance import surge_findings, weekly_series

SUBJECT = Subject(ENTERPRISE, "370211", "C33", "91350100M000100Y43")
AT = datetime(2025, 6, 2, tzinfo=UTC)
EXPERTS = {"EXP-1"}


def _finding(
    *evidence: str, severity: str = "YELLOW", rule: str = "exposure-over-limit"
) -> Finding:
    return Finding(rule, SUBJECT, severity, evidence, AT, "中文", "english")


def _act(book: dict, step: str, number: int, expert: str | None = None) -> dict | None:  # type: ignore[type-arg]
    alert_id = next(iter(book["alerts"].values()))["alert_id"]
    action = Action(f"act-{number}", alert_id, step, "clerk", 1_750_000_000_000 + number, expert)
    return apply_action(book, action, EXPERTS)


def test_one_open_alert_per_rule_and_subject_gathers_evidence() -> None:
    book = empty_book()
    opened = add_finding(book, _finding("m-1"))
    assert opened is not None and opened["alert_id"] == "exposure-over-limit/91350100M000100Y43/1"
    assert add_finding(book, _finding("m-1")) is None  # the same finding again: nothing new
    updated = add_finding(book, _finding("m-1", "m-2", severity="ORANGE"))
    assert updated is not None
    assert (updated["evidence"], updated["severity"], updated["revision"]) == (
        ["m-1", "m-2"], "ORANGE", 2)  # fmt: skip
    milder = add_finding(book, _finding("m-3", severity="YELLOW"))
    assert milder is not None and milder["severity"] == "ORANGE"  # never downgraded
    other_rule = add_finding(book, _finding("a-1", rule="death"))
    assert other_rule is not None and other_rule["alert_id"].startswith("death/")
    assert subject_key_of(other_rule["alert_id"]) == SUBJECT.key


def test_the_lifecycle_in_order_with_who_and_when() -> None:
    book = empty_book()
    add_finding(book, _finding("m-1"))
    steps = ["ACKNOWLEDGE", "ASSIGN", "VERIFY", "RECTIFY", "CLOSE"]
    alerts = [
        _act(book, step, n, "EXP-1" if step == "ASSIGN" else None) for n, step in enumerate(steps)
    ]
    alert = alerts[-1]
    assert alert is not None and all(one is not None for one in alerts)
    assert alert["status"] == "CLOSED"
    assert [s["step"] for s in alert["steps"]] == steps
    assert alert["steps"][1]["expert_id"] == "EXP-1" and alert["steps"][0]["actor"] == "clerk"


def test_steps_out_of_order_or_unknown_are_refused_with_a_reason() -> None:
    book = empty_book()
    add_finding(book, _finding("m-1"))
    with pytest.raises(ActionRefused, match="is OPEN: VERIFY follows ASSIGNED"):
        _act(book, "VERIFY", 1)
    _act(book, "ACKNOWLEDGE", 2)
    assert _act(book, "ACKNOWLEDGE", 2) is None  # the same action again: applied once
    with pytest.raises(ActionRefused, match="not in the expert registry"):
        _act(book, "ASSIGN", 3, "EXP-404")
    with pytest.raises(ActionRefused, match="not open"):
        apply_action(book, Action("x", "death/someone/1", "CLOSE", "clerk", 0), EXPERTS)
    with pytest.raises(ActionRefused, match="is not an alert id"):
        subject_key_of("no-slashes")


def test_a_closed_alert_is_not_reopened_by_old_evidence_but_by_new() -> None:
    book = empty_book()
    add_finding(book, _finding("m-1"))
    _act(book, "CLOSE", 1)  # found false at once
    assert add_finding(book, _finding("m-1")) is None  # a replay after closing
    reopened = add_finding(book, _finding("m-1", "m-2"))
    assert reopened is not None
    assert (reopened["alert_id"], reopened["status"]) == (
        "exposure-over-limit/91350100M000100Y43/2", "OPEN")  # fmt: skip


def _claims(cells: dict, moment: datetime, count: int, tag: str) -> None:  # type: ignore[type-arg]
    for n in range(count):
        roll_up(cells, Contribution(f"{tag}-{n}", moment, "370211", "C37", "e",
                                    {"injury_applications": 1}))  # fmt: skip


def test_weekly_series_and_a_surge_with_exact_week_bounds() -> None:
    cells: dict = {}  # type: ignore[type-arg]
    surge_week_monday = datetime(2025, 9, 8, 10, tzinfo=CITY_ZONE)
    for back in range(1, 10):  # one claim a week before
        _claims(cells, surge_week_monday - timedelta(weeks=back), 1, f"w{back}")
    # Sunday 23:30 local is still the surge week; Monday 00:10 local is the next one
    _claims(cells, datetime(2025, 9, 14, 23, 30, tzinfo=CITY_ZONE), 6, "surge")
    _claims(cells, datetime(2025, 9, 15, 0, 10, tzinfo=CITY_ZONE), 1, "next")
    week = tumbling(WindowKind.WEEK, surge_week_monday)
    assert (week.start, week.end) == (datetime(2025, 9, 8, tzinfo=CITY_ZONE),
                                      datetime(2025, 9, 15, tzinfo=CITY_ZONE))  # fmt: skip
    series = weekly_series(cells, week, "370211", "C37", "injury_applications", 12)
    assert series == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6]
    found = {f.rule: f for f in surge_findings(cells, week, "370211", "C37",
                                               AberrationThresholds())}  # fmt: skip
    c1 = found["ears-c1:injury_applications"]
    assert c1.evidence == ("WEEK|2025-W37|370211|C37",) and c1.occurred == week.start
    assert c1.subject.key == "370211|C37" and "2025-W37" in c1.message_zh
    quiet = tumbling(WindowKind.WEEK, surge_week_monday - timedelta(weeks=2))
    assert surge_findings(cells, quiet, "370211", "C37", AberrationThresholds()) == []


def test_threshold_overrides_by_name() -> None:
    limits = alert_limits({"repeat_accidents": 4, "c1": 2.5, "red": 30})
    assert limits.rules.repeat_accidents == 4 and isinstance(limits.rules.repeat_accidents, int)
    assert (limits.aberration.c1, limits.risk.red) == (2.5, 30)
    with pytest.raises(ValueError, match=r"unknown threshold\(s\) c9; known: .*cusum_h"):
        alert_limits({"c9": 1})


def test_expert_registry(tmp_path: Path) -> None:
    sample = load_experts()
    fitting = [e.expert_id for e in experts_for(sample, "C37")]
    assert fitting[0] == "EXP-006" and "EXP-001" in fitting  # C37 before the whole section C
    assert "EXP-003" not in fitting
    broken = tmp_path / "experts.json"
    broken.write_text(json.dumps({"experts": [{"id": "X"}]}), encoding="utf-8")
    with pytest.raises(ExpertRegistryError, match=r"experts\.json: 'name'"):
        load_experts(broken)
