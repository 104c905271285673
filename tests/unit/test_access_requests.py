"""Access requests: the sharing classes' rules, deadlines on a fixed clock, and the log fold."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from streams.contracts.registry import load_registry
from streams.governance.calendar import CITY_ZONE, load_calendar
from streams.governance.catalogue import CatalogueEntry, build_catalogue
from streams.governance.requests import (
    GovernanceStep,
    RequestRefused,
    decide,
    due_steps,
    fold,
    revoke,
    submit,
)
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue

SETTINGS = HubSettings()
CALENDAR = load_calendar(SETTINGS.schemas_path / "codes" / "holidays.cn.json")
ENTRIES = {e.topic: e for e in build_catalogue(catalogue(), load_registry(SETTINGS.schemas_path))}
APPRAISAL = ENTRIES["dept.hrss.disability-appraisal.v1"]  # conditional, hrss's, not shared yet
INSPECTIONS = ENTRIES["dept.housing.site-inspection.v1"]  # unconditional, shared with emergency


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CITY_ZONE)


def ask(
    entry: CatalogueEntry,
    now: datetime,
    requester: str = "union",
    purpose: str = "帮扶伤残职工 support disabled workers",
    fields: tuple[str, ...] = (),
    access_until: datetime | None = None,
) -> list[GovernanceStep]:
    return submit(entry, requester, "li.wei", purpose, fields, None, access_until, now,
                  CALENDAR, request_id="R1")  # fmt: skip


def test_an_unconditional_item_is_granted_at_once_and_a_conditional_one_waits() -> None:
    now = at("2026-11-30 10:00")
    granted = fold(ask(INSPECTIONS, now, requester="transport"))["R1"]
    assert granted.status == "granted" and granted.decided_by == "hub"
    assert granted.active(now)
    waiting = fold(ask(APPRAISAL, now))["R1"]
    assert waiting.status == "pending" and not waiting.active(now)
    assert waiting.fields == tuple(f.name for f in APPRAISAL.fields)  # none named: all


def test_not_shared_items_and_needless_or_vague_requests_are_refused_with_why() -> None:
    now = at("2026-11-30 10:00")
    with pytest.raises(RequestRefused, match="不予共享"):
        ask(ENTRIES["dept.health.health-examination.v1"], now)
    with pytest.raises(RequestRefused, match="owns"):
        ask(APPRAISAL, now, requester="hrss")
    with pytest.raises(RequestRefused, match="standing shares"):
        ask(INSPECTIONS, now, requester="emergency")
    with pytest.raises(RequestRefused, match="purpose"):
        ask(APPRAISAL, now, purpose=" ")
    with pytest.raises(RequestRefused, match=r"no field.*salary"):
        ask(APPRAISAL, now, fields=("grade", "salary"))
    with pytest.raises(RequestRefused, match="end after it starts"):
        ask(APPRAISAL, now, access_until=now - timedelta(days=1))
    pending = fold(ask(APPRAISAL, now))["R1"]
    with pytest.raises(RequestRefused, match="already has request R1"):
        submit(APPRAISAL, "union", "li.wei", "again", (), None, None, now, CALENDAR,
               known=[pending])  # fmt: skip


def test_only_the_owner_decides_and_a_refusal_needs_its_reason() -> None:
    now = at("2026-11-30 10:00")
    pending = fold(ask(APPRAISAL, now))["R1"]
    with pytest.raises(RequestRefused, match="only hrss"):
        decide(pending, True, "zhao.emergency", "emergency", "", now)
    with pytest.raises(RequestRefused, match="reason"):
        decide(pending, False, "wang.hrss", "hrss", "", now)
    refused = decide(pending, False, "wang.hrss", "hrss", "个人信息: 用途不够具体", now)
    state = fold([*pending.history, refused])["R1"]
    assert (state.status, state.reason, state.decided_by) == ("refused", refused.reason,
                                                              "wang.hrss")  # fmt: skip
    with pytest.raises(RequestRefused, match="refused, not pending"):
        decide(state, True, "wang.hrss", "hrss", "", now)


def test_a_grant_ends_by_revocation_or_when_its_period_runs_out() -> None:
    now = at("2026-11-30 10:00")
    until = at("2026-12-31 00:00")
    steps = ask(APPRAISAL, now, access_until=until)
    steps.append(decide(fold(steps)["R1"], True, "wang.hrss", "hrss", "", now))
    granted = fold(steps)["R1"]
    assert granted.active(now) and not granted.active(until)
    assert due_steps([granted], at("2026-12-30 23:00"), CALENDAR) == []
    expired = due_steps([granted], until, CALENDAR)
    assert [s.step for s in expired] == ["EXPIRED"]
    assert fold([*steps, *expired])["R1"].status == "expired"
    with pytest.raises(RequestRefused, match="only hrss or the joint-meeting office"):
        revoke(granted, "zhao", "emergency", "no longer needed", now)
    revoked = revoke(granted, "office.chen", "office", "purpose fulfilled", now)
    assert fold([*steps, revoked])["R1"].status == "revoked"


def test_deadline_across_the_national_day_holiday_reminds_then_escalates() -> None:
    # Wednesday 30 September: 1-7 October off, Saturday 10 October worked. Five working days:
    # 8, 9, 10, 12 and 13 October, so due at the end of Tuesday 13 October.
    steps = ask(APPRAISAL, at("2026-09-30 10:00"))
    state = fold(steps)["R1"]
    assert state.due_at == at("2026-10-14 00:00")
    for moment in ("2026-10-07 12:00", "2026-10-13 23:59"):
        assert due_steps([state], at(moment), CALENDAR) == []
    reminded = due_steps([state], at("2026-10-14 09:00"), CALENDAR)
    assert [(s.step, s.actor) for s in reminded] == [("REMINDED", "hub")]
    state = fold([*steps, *reminded])["R1"]
    assert due_steps([state], at("2026-10-14 18:00"), CALENDAR) == []  # reminded once
    escalated = due_steps([state], at("2026-10-15 09:00"), CALENDAR)  # two working days late
    assert [s.step for s in escalated] == ["ESCALATED"]
    assert "2 working day(s) overdue" in escalated[0].reason
    state = fold([*steps, *reminded, *escalated])["R1"]
    assert state.escalated and due_steps([state], at("2026-10-20 09:00"), CALENDAR) == []


def test_deadline_across_a_weekend_counts_no_weekend_day_late() -> None:
    # Friday 27 November: due at the end of Friday 4 December (30 Nov - 4 Dec)
    steps = ask(APPRAISAL, at("2026-11-27 16:00"))
    state = fold(steps)["R1"]
    assert state.due_at == at("2026-12-05 00:00")
    assert [s.step for s in due_steps([state], at("2026-12-05 10:00"), CALENDAR)] == ["REMINDED"]
    state = fold([*steps, *due_steps([state], at("2026-12-05 10:00"), CALENDAR)])["R1"]
    assert due_steps([state], at("2026-12-06 20:00"), CALENDAR) == []  # Sunday: 0 days late
    assert due_steps([state], at("2026-12-07 09:00"), CALENDAR) == []  # Monday: 1
    assert [s.step for s in due_steps([state], at("2026-12-08 09:00"), CALENDAR)] == ["ESCALATED"]


def test_an_answered_request_is_neither_reminded_nor_answered_twice_in_the_fold() -> None:
    now = at("2026-11-27 16:00")
    steps = ask(APPRAISAL, now)
    granted = decide(fold(steps)["R1"], True, "wang.hrss", "hrss", "", now)
    late_refusal = GovernanceStep(**{**granted.__dict__, "step": "REFUSED", "reason": "x"})
    state = fold([*steps, granted, late_refusal])["R1"]
    assert state.status == "granted" and len(state.history) == 2
    assert due_steps([state], at("2026-12-09 09:00"), CALENDAR) == []
