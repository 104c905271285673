"""Risk clusters injected on purpose, for the alerting agents to find: the ground truth names
each with the records that make it up."""

from __future__ import annotations

from typing import Any

from connectors.synthetic.context import YearContext
from connectors.synthetic.injuries import accident_report, injury, od_diagnosis
from connectors.synthetic.occupational import measurement
from connectors.synthetic.plan import Planned
from connectors.synthetic.registry import Enterprise


def _pick(ctx: YearContext, wanted: str, sections: str) -> Enterprise:
    """The largest enterprise of industry ``wanted`` (or, failing that, of ``sections``)."""
    pool = (
        [e for e in ctx.enterprises if e.industry.code == wanted]
        or [e for e in ctx.enterprises if e.section in sections]
        or ctx.enterprises
    )
    return max(pool, key=lambda e: e.insured)


def _described(kind: str, records: list[Planned], **facts: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        **facts,
        "records": [{"mapping": r.mapping, "natural_key": r.natural_key} for r in records],
    }


def inject_clusters(ctx: YearContext) -> list[dict[str, Any]]:
    clusters = []
    # An enterprise with repeated accidents: four reported accidents between May and July.
    repeat = _pick(ctx, "C33", "C")
    made = [accident_report(ctx, repeat, ctx.moment(month), "03") for month in (5, 6, 6, 7)]
    clusters.append(_described("repeat-accident-enterprise", made, enterprise_id=repeat.uscc))
    # A district x industry surge: shipbuilding in Huangdao in September, three times its usual
    # monthly injuries (at least eight).
    yard = _pick(ctx, "C37", "C")
    peers = [
        e for e in ctx.enterprises if e.district == yard.district and e.industry == yard.industry
    ]
    usual = sum(e.insured for e in peers) / 1000 * yard.industry.injuries_per_1000 / 12
    surge: list[Planned] = []
    for index in range(max(8, round(3 * usual))):
        surge += injury(ctx, peers[index % len(peers)], ctx.moment(9))
    clusters.append(
        _described(
            "district-industry-surge",
            [r for r in surge if r.mapping == "hrss.injury-recognition"],
            district=yard.district,
            industry=yard.industry.code,
            month=f"{ctx.year}-09",
            extra_injuries=max(8, round(3 * usual)),
        )
    )
    # An occupational-disease cluster: five silicosis diagnoses in one enterprise in autumn.
    dusty = _pick(ctx, "C30", "BC")
    made = [od_diagnosis(ctx, dusty, ctx.moment(month), pick=0) for month in (10, 10, 11, 11, 11)]
    clusters.append(_described("occupational-disease-cluster", made, enterprise_id=dusty.uscc))
    # Exposure over the limit: four silica-dust measurements at 2-4 times the PC-TWA in August.
    over = _pick(ctx, "B10", "BC")
    made = [
        measurement(ctx, over, ctx.moment(8), "DUST-SILICA-RESP", ctx.rng.uniform(2, 4))
        for _ in range(4)
    ]
    clusters.append(_described("hazard-exceedance", made, enterprise_id=over.uscc))
    return clusters
