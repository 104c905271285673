"""The workforce: monthly insured headcounts per enterprise (人社), and the union's worker reports
and safety-training sessions."""

from __future__ import annotations

from datetime import datetime

from connectors.synthetic.context import ZONE, YearContext
from connectors.synthetic.profile import PER_ENTERPRISE


def worker_voice(ctx: YearContext) -> None:
    rng = ctx.rng
    for e in ctx.each(PER_ENTERPRISE["union.worker-report"], ctx.enterprises):
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
        ctx.record(
            "union.worker-report",
            payload["report_no"],
            e,
            ctx.moment(hours=(0, 23)),
            (0, 2),
            payload,
        )
    for e in ctx.each(PER_ENTERPRISE["union.training-participation"], ctx.enterprises):
        held = ctx.moment()
        payload = ctx.of(
            e,
            session_id=f"GHPX-{held:%Y%m}-{rng.randint(1, 30):02d}",
            hours=float(rng.choice([2, 4, 8])),
        )
        ctx.record(
            "union.training-participation", ctx.serial("CX"), e, held, (1, 10), payload, person=True
        )


def insured_headcounts(ctx: YearContext) -> None:
    for e in ctx.enterprises:
        count = e.insured
        for month in range(1, 13):
            count = max(1, round(count * ctx.rng.uniform(0.985, 1.017)))
            first = datetime(ctx.year, month, 1, tzinfo=ZONE)
            payload = ctx.of(e, month=first.date(), insured_count=count)
            key = f"{e.uscc}-{ctx.year}{month:02d}"
            ctx.record("hrss.insured-headcount", key, e, first, (5, 15), payload)
