"""Inspections and what they find: hidden hazards and their rectification (应急), construction
sites (住建) and transport enterprises (交通), and enforcement cases."""

from __future__ import annotations

from datetime import timedelta

from connectors.synthetic.context import YearContext
from connectors.synthetic.profile import PER_ENTERPRISE

_HAZARD_TEXT = (
    "安全出口堵塞",
    "消防设施缺失",
    "特种作业人员无证上岗",
    "设备防护装置缺失",
    "临边防护不到位",
    "有限空间作业未审批",
    "电气线路私拉乱接",
    "危险化学品储存不规范",
)


def inspections(ctx: YearContext) -> None:
    rng = ctx.rng
    for e in ctx.each(PER_ENTERPRISE["emergency.hazard-inspection"], ctx.enterprises):
        found = ctx.moment()
        deadline = (found + timedelta(days=rng.randint(15, 60))).date()
        fate = rng.random()
        rectified = (
            None
            if fate < 0.05
            else deadline + timedelta(days=rng.randint(-14, 0 if fate < 0.95 else 20))
        )
        payload = ctx.of(
            e,
            hazard_id=ctx.serial("YH"),
            district=e.district,
            industry=e.industry.code,
            level="MAJOR" if rng.random() < 0.03 else "GENERAL",
            description=rng.choice(_HAZARD_TEXT),
            deadline=deadline,
            rectified_on=max(rectified, found.date()) if rectified else None,
        )
        ctx.record(
            "emergency.hazard-inspection", payload["hazard_id"], e, found, (0.01, 2), payload
        )
    for e in ctx.each(PER_ENTERPRISE["emergency.enforcement"], ctx.enterprises):
        action = rng.choices(["WARNING", "FINE", "SUSPENSION", "CLOSURE"], [30, 60, 8, 2])[0]
        payload = ctx.of(
            e,
            case_no=ctx.serial("ZF-AJ"),
            district=e.district,
            action=action,
            amount_fen=rng.randint(10_000, 500_000) * 100 if action == "FINE" else 0,
        )
        ctx.record("emergency.enforcement", payload["case_no"], e, ctx.moment(), (5, 40), payload)
    for section, mapping, prefix in (
        ("E", "housing.site-inspection", "JC"),
        ("G", "transport.inspection", "JT"),
    ):
        concerned = [e for e in ctx.enterprises if e.section == section]
        for e in ctx.each(PER_ENTERPRISE[mapping], concerned):
            inspected = ctx.moment()
            general, major = ctx.poisson(1.5), (1 if rng.random() < 0.04 else 0)
            result = "SUSPEND" if major else ("RECTIFY" if general else "PASSED")
            payload = ctx.of(
                e,
                inspection_id=ctx.serial(prefix),
                district=e.district,
                hazards_general=general,
                hazards_major=major,
                result=result,
                rectification_deadline=(inspected + timedelta(days=30)).date()
                if result != "PASSED"
                else None,
            )
            if section == "E":
                payload["project_code"] = f"{e.district}{ctx.serial('XM')}"
            ctx.record(mapping, payload["inspection_id"], e, inspected, (0.1, 3), payload)
