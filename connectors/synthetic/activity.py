"""The year's routine records: inspections and hidden hazards, exposure measurements and health
examinations, enforcement, worker reports, monthly insured headcounts, the prevention fund and its
projects, and the training programme of the six key industries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from connectors.synthetic.context import ZONE, YearContext
from connectors.synthetic.plan import Planned
from connectors.synthetic.profile import PER_ENTERPRISE, TRAINING_ROLLOUT, TRAINING_TARGETS
from connectors.synthetic.registry import Enterprise

_HAZARDS_BY_SECTION = {
    "B": ("DUST-SILICA-RESP", "DUST-SILICA-TOTAL", "NOISE"),
    "E": ("DUST-SILICA-TOTAL", "NOISE", "HAND-ARM-VIBRATION"),
}
_HAZARDS_BY_INDUSTRY = {
    "C26": ("BENZENE", "TOLUENE", "NH3"),
    "C29": ("TOLUENE", "N-HEXANE", "NOISE"),
    "C30": ("DUST-SILICA-RESP", "NOISE"),
    "C31": ("DUST-SILICA-TOTAL", "CO", "NOISE"),
    "C32": ("LEAD-DUST", "CO", "NOISE"),
    "C17": ("NOISE",),
}
_WELDING = ("DUST-WELDING", "MANGANESE", "NOISE")
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


_KIND_NAMES = {
    "TRAINING": "培训",
    "PUBLICITY": "宣传",
    "INSPECTION_SUPPORT": "检查支持",
    "EQUIPMENT": "设备",
}


def hazard_factor_of(e: Enterprise, ctx: YearContext) -> str:
    factors = _HAZARDS_BY_INDUSTRY.get(e.industry.code) or _HAZARDS_BY_SECTION.get(
        e.section, _WELDING
    )
    return ctx.rng.choice(factors)


def _each(ctx: YearContext, per_year: float, enterprises: list[Enterprise]) -> list[Enterprise]:
    """The enterprises concerned by ``per_year`` events each, one entry per event."""
    return [e for e in enterprises for _ in range(ctx.poisson(per_year))]


def inspections(ctx: YearContext) -> None:
    rng = ctx.rng
    for e in _each(ctx, PER_ENTERPRISE["emergency.hazard-inspection"], ctx.enterprises):
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
        _add(ctx, "emergency.hazard-inspection", payload["hazard_id"], found, 0.01, 2, payload, e)
    for e in _each(ctx, PER_ENTERPRISE["emergency.enforcement"], ctx.enterprises):
        action = rng.choices(["WARNING", "FINE", "SUSPENSION", "CLOSURE"], [30, 60, 8, 2])[0]
        payload = ctx.of(
            e,
            case_no=ctx.serial("ZF-AJ"),
            district=e.district,
            action=action,
            amount_fen=rng.randint(10_000, 500_000) * 100 if action == "FINE" else 0,
        )
        _add(ctx, "emergency.enforcement", payload["case_no"], ctx.moment(), 5, 40, payload, e)
    for section, mapping, prefix in (
        ("E", "housing.site-inspection", "JC"),
        ("G", "transport.inspection", "JT"),
    ):
        concerned = [e for e in ctx.enterprises if e.section == section]
        for e in _each(ctx, PER_ENTERPRISE[mapping], concerned):
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
            _add(ctx, mapping, payload["inspection_id"], inspected, 0.1, 3, payload, e)


def measurement(
    ctx: YearContext, e: Enterprise, moment: datetime, factor: str, ratio: float
) -> Planned:
    """An exposure measurement at ``ratio`` times the factor's first limit."""
    limit = ctx.codes.hazard_factors[factor].limits[0]
    payload = ctx.of(
        e,
        report_no=ctx.serial("JCBG"),
        district=e.district,
        workplace=ctx.rng.choice(["车间一", "车间二", "焊接工位", "破碎工段", "喷涂线"]),
        hazard_factor=factor,
        limit_kind=limit.kind,
        value=round(limit.value * ratio, 3),
        unit=limit.unit,
    )
    return _add(ctx, "health.hazard-measurement", payload["report_no"], moment, 3, 20, payload, e)


def occupational_health(ctx: YearContext) -> None:
    rng = ctx.rng
    dusty = [e for e in ctx.enterprises if e.industry.dusty]
    for e in _each(ctx, PER_ENTERPRISE["health.hazard-measurement"], dusty):
        measurement(ctx, e, ctx.moment(), hazard_factor_of(e, ctx), rng.lognormvariate(-0.9, 0.45))
    for e in _each(ctx, PER_ENTERPRISE["health.health-examination"], dusty):
        examined = ctx.moment()
        payload = ctx.of(
            e,
            exam_no=ctx.serial("TJ"),
            hazard_factor=hazard_factor_of(e, ctx),
            stage=rng.choices(["PRE_PLACEMENT", "ON_DUTY", "LEAVING"], [20, 70, 10])[0],
            conclusion=rng.choices(
                ["NORMAL", "RECHECK", "SUSPECTED_OD", "CONTRAINDICATION", "OTHER_DISEASE"],
                [80, 8, 1, 3, 8],
            )[0],
        )
        record = _add(
            ctx, "health.health-examination", payload["exam_no"], examined, 5, 30, payload, e
        )
        record.person_id = ctx.person(examined.date())


def worker_voice(ctx: YearContext) -> None:
    rng = ctx.rng
    for e in _each(ctx, PER_ENTERPRISE["union.worker-report"], ctx.enterprises):
        payload = ctx.of(
            e,
            report_no=ctx.serial("GH"),
            district=e.district,
            topic=rng.choice(
                [
                    "UNSAFE_CONDITIONS",
                    "NO_PROTECTIVE_EQUIPMENT",
                    "OVERTIME",
                    "NO_INSURANCE",
                    "HIDDEN_ACCIDENT",
                    "OCCUPATIONAL_HAZARD",
                    "OTHER",
                ]
            ),
            channel=rng.choice(["HOTLINE", "ONLINE", "VISIT", "LETTER"]),
            substantiated=rng.choice([None, True, False]),
        )
        _add(
            ctx,
            "union.worker-report",
            payload["report_no"],
            ctx.moment(hours=(0, 23)),
            0,
            2,
            payload,
            e,
        )
    for e in _each(ctx, PER_ENTERPRISE["union.training-participation"], ctx.enterprises):
        held = ctx.moment()
        payload = ctx.of(
            e,
            session_id=f"GHPX-{held:%Y%m}-{rng.randint(1, 30):02d}",
            hours=float(rng.choice([2, 4, 8])),
        )
        record = _add(
            ctx, "union.training-participation", ctx.serial("CX"), held, 1, 10, payload, e
        )
        record.person_id = ctx.person(held.date())


def insured_headcounts(ctx: YearContext) -> None:
    for e in ctx.enterprises:
        count = e.insured
        for month in range(1, 13):
            count = max(1, round(count * ctx.rng.uniform(0.985, 1.017)))
            first = datetime(ctx.year, month, 1, tzinfo=ZONE)
            payload = ctx.of(e, month=first.date(), insured_count=count)
            key = f"{e.uscc}-{ctx.year}{month:02d}"
            _add(ctx, "hrss.insured-headcount", key, first, 5, 15, payload, e)


def training(ctx: YearContext, scale: float) -> dict[str, int]:
    """The key industries' programme: one leader, two safety managers and seven team leaders per
    trained enterprise, larger enterprises first, rolled out quarter by quarter. Returns the month
    of each trained enterprise's training."""
    rng = ctx.rng
    key = [e for e in ctx.enterprises if ctx.codes.industries.key_industry(e.industry.code)]
    leaders = max(1, round(TRAINING_TARGETS["RESPONSIBLE_LEADER"] * scale))
    key.sort(key=lambda e: -e.insured * rng.uniform(0.5, 1.5))
    trained = key[:leaders]
    quarters = rng.choices(range(4), TRAINING_ROLLOUT, k=len(trained))
    months: dict[str, int] = {}
    per_enterprise = (("RESPONSIBLE_LEADER", 1), ("SAFETY_MANAGER", 2), ("TEAM_LEADER", 7))
    for e, quarter in zip(trained, sorted(quarters), strict=True):
        month = quarter * 3 + rng.randint(1, 3)
        months[e.uscc] = month
        for category, people in per_enterprise:
            for _ in range(people):
                done = ctx.moment(month)
                payload = ctx.of(
                    e,
                    certificate_no=ctx.serial("PX"),
                    industry=e.industry.code,
                    category=category,
                    hours=float(rng.choice([16, 24, 32])),
                )
                record = _add(
                    ctx,
                    "hrss.training-completion",
                    payload["certificate_no"],
                    done,
                    1,
                    7,
                    payload,
                    e,
                )
                record.person_id = ctx.person(done.date())
    return months


def money(ctx: YearContext, scale: float) -> None:
    """工伤预防费: allocations per district, the projects they fund, and the payments."""
    rng = ctx.rng
    districts = sorted({e.district for e in ctx.enterprises})
    for index in range(max(4, round(40 * scale))):
        district = districts[index % len(districts)]
        approved = ctx.moment(rng.randint(1, 6))
        starts = approved.date() + timedelta(days=rng.randint(10, 40))
        kind = rng.choice(["TRAINING", "PUBLICITY", "INSPECTION_SUPPORT", "EQUIPMENT"])
        project: dict[str, Any] = {
            "project_id": ctx.serial("XMGS"),
            "name": f"{ctx.year}年工伤预防{_KIND_NAMES[kind]}项目{index + 1}",
            "kind": kind,
            "district": district,
            "industry": None,
            "amount_fen": rng.randint(20, 300) * 1_000_000,
            "starts_on": starts,
            "ends_on": starts + timedelta(days=rng.randint(60, 240)),
        }
        ctx.add(
            Planned(
                "hrss.prevention-project",
                project["project_id"],
                approved,
                ctx.later(approved, 1, 5),
                project,
                district,
            )
        )
        allocation: dict[str, Any] = {
            "allocation_id": f"青财社指〔{ctx.year}〕{index + 1}号",
            "fiscal_year": ctx.year,
            "project_id": project["project_id"],
            "district": district,
            "amount_fen": project["amount_fen"],
        }
        allocated = ctx.later(approved, 5, 20)
        ctx.add(
            Planned(
                "finance.fund-allocation",
                allocation["allocation_id"],
                allocated,
                ctx.later(allocated, 0, 3),
                allocation,
                district,
            )
        )
        payee = rng.choice(
            [e for e in ctx.enterprises if e.district == district] or ctx.enterprises
        )
        for share in (0.3, 0.7):
            paid = ctx.later(allocated, 15, 150)
            payment: dict[str, Any] = {
                "disbursement_id": ctx.serial("ZFPZ"),
                "allocation_id": allocation["allocation_id"],
                "project_id": project["project_id"],
                "payee": payee.name,
                "payee_uscc": payee.uscc,
                "amount_fen": round(project["amount_fen"] * share),
            }
            ctx.add(
                Planned(
                    "finance.fund-disbursement",
                    payment["disbursement_id"],
                    paid,
                    ctx.later(paid, 0, 3),
                    payment,
                    district,
                    payee.industry.code,
                )
            )


def nominations(ctx: YearContext, trained: dict[str, int], troubled: set[str]) -> None:
    """The union nominates model units among trained enterprises without a reported accident."""
    candidates = [e for e in ctx.enterprises if e.uscc in trained and e.uscc not in troubled]
    for e in candidates[: max(1, len(candidates) // 12)]:
        nominated = ctx.moment(12)
        payload = ctx.of(
            e,
            nomination_id=ctx.serial("MF"),
            year=ctx.year,
            reason="全员完成工伤预防培训，全年无较大及以上事故，隐患按期整改",
        )
        _add(
            ctx,
            "union.model-unit-nomination",
            payload["nomination_id"],
            nominated,
            1,
            10,
            payload,
            e,
        )


def _add(
    ctx: YearContext,
    mapping: str,
    key: str,
    occurred: datetime,
    min_days: float,
    max_days: float,
    payload: dict[str, Any],
    e: Enterprise,
) -> Planned:
    return ctx.add(
        Planned(
            mapping,
            key,
            occurred,
            ctx.later(occurred, min_days, max_days),
            payload,
            e.district,
            e.industry.code,
        )
    )
