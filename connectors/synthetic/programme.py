"""The prevention programme: the six key industries' training (600 + 1,200 + 4,200 people), the
prevention fund (工伤预防费) with its projects and payments, and the union's model-unit
nominations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connectors.synthetic.context import YearContext
from connectors.synthetic.plan import Planned
from connectors.synthetic.profile import TRAINING_ROLLOUT, TRAINING_TARGETS

_KIND_NAMES = {
    "TRAINING": "培训",
    "PUBLICITY": "宣传",
    "INSPECTION_SUPPORT": "检查支持",
    "EQUIPMENT": "设备",
}


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
                ctx.record(
                    "hrss.training-completion",
                    payload["certificate_no"],
                    e,
                    done,
                    (1, 7),
                    payload,
                    person=True,
                )
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
        ctx.record(
            "union.model-unit-nomination", payload["nomination_id"], e, nominated, (1, 10), payload
        )
