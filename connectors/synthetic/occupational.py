"""Occupational health (卫健): exposure measurements against the limits of GBZ 2, and workers'
occupational health examinations."""

from __future__ import annotations

from datetime import datetime

from connectors.synthetic.context import YearContext
from connectors.synthetic.plan import Planned
from connectors.synthetic.profile import PER_ENTERPRISE
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


def hazard_factor_of(e: Enterprise, ctx: YearContext) -> str:
    factors = _HAZARDS_BY_INDUSTRY.get(e.industry.code) or _HAZARDS_BY_SECTION.get(
        e.section, _WELDING
    )
    return ctx.rng.choice(factors)


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
    return ctx.record(
        "health.hazard-measurement", payload["report_no"], e, moment, (3, 20), payload
    )


def occupational_health(ctx: YearContext) -> None:
    rng = ctx.rng
    dusty = [e for e in ctx.enterprises if e.industry.dusty]
    for e in ctx.each(PER_ENTERPRISE["health.hazard-measurement"], dusty):
        measurement(ctx, e, ctx.moment(), hazard_factor_of(e, ctx), rng.lognormvariate(-0.9, 0.45))
    for e in ctx.each(PER_ENTERPRISE["health.health-examination"], dusty):
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
        ctx.record(
            "health.health-examination",
            payload["exam_no"],
            e,
            examined,
            (5, 30),
            payload,
            person=True,
        )
