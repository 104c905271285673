"""Work injuries and what follows them: the recognition application (人社), the hospital
treatment (卫健/医保), benefit payments and disability appraisals (人社), and for the serious
ones a production-safety accident report to the regulator of the enterprise's sector (应急, or
住建 for construction, 交通 for transport). Also occupational-disease diagnoses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from connectors.synthetic.context import YearContext
from connectors.synthetic.plan import Planned
from connectors.synthetic.profile import (
    APPRAISAL_SHARE,
    CROSS_REPORT_SHARE,
    OD_PER_1000_DUSTY,
    RECOGNITION_SHARE,
    SEASONALITY,
    SERIOUS_ACCIDENT_SHARE,
)
from connectors.synthetic.registry import Enterprise

#: GB 6441 accident types by GB/T 4754 section, as (code, weight)
_ACCIDENT_TYPES = {
    "E": (("09", 35), ("01", 20), ("04", 10), ("10", 10), ("05", 5), ("20", 20)),
    "G": (("02", 60), ("01", 10), ("06", 5), ("04", 5), ("20", 20)),
    "B": (("10", 25), ("01", 25), ("03", 15), ("13", 5), ("20", 30)),
    "C": (("03", 40), ("01", 20), ("07", 10), ("04", 10), ("19", 3), ("20", 17)),
}
_OTHER_TYPES = (("20", 50), ("01", 15), ("02", 15), ("09", 20))
#: 《工伤保险条例》 article.item with the decision it gives, weighted
_DECISIONS = (
    ("RECOGNISED", "art14.1", 70),
    ("RECOGNISED", "art14.6", 10),
    ("RECOGNISED", "art14.2", 5),
    ("DEEMED", "art15.1", 5),
    ("NOT_RECOGNISED", "art16.1", 10),
)
_HOSPITALS = (
    "青岛大学附属医院",
    "青岛市市立医院",
    "青岛市中心医院",
    "青岛市第八人民医院",
    "青岛市黄岛区人民医院",
)
_TRANSPORT_MODES = {"G54": "ROAD_FREIGHT", "G55": "WATERWAY", "G59": "PORT"}
#: occupational diseases: (category, disease, hazard factor, weight); pneumoconiosis dominates
_DISEASES = (
    ("01", "矽肺", "DUST-SILICA-RESP", 45),
    ("01", "电焊工尘肺", "DUST-WELDING", 20),
    ("01", "煤工尘肺", "DUST-COAL-RESP", 5),
    ("04", "职业性噪声聋", "NOISE", 15),
    ("05", "职业性慢性苯中毒", "BENZENE", 6),
    ("05", "职业性慢性锰中毒", "MANGANESE", 3),
    ("06", "手臂振动病", "HAND-ARM-VIBRATION", 6),
)


def simulate_injuries(ctx: YearContext, trained_from: dict[str, int], effect: float) -> int:
    """Injuries month by month; a trained enterprise's rate falls by ``effect`` from the month
    after its first completion. Returns the number of injuries."""
    total = 0
    for enterprise in ctx.enterprises:
        yearly = enterprise.insured / 1000 * enterprise.industry.injuries_per_1000
        trained = trained_from.get(enterprise.uscc, 13)
        for month in range(1, 13):
            mean = yearly * SEASONALITY[month - 1] / 12 * ((1 - effect) if month > trained else 1)
            for _ in range(ctx.poisson(mean)):
                injury(ctx, enterprise, ctx.moment(month))
                total += 1
    return total


def injury(
    ctx: YearContext, enterprise: Enterprise, moment: datetime, reported_accident: bool = False
) -> list[Planned]:
    """One injured worker and the records it causes; ``reported_accident`` forces an accident
    report (the injected clusters use it)."""
    rng = ctx.rng
    types = _ACCIDENT_TYPES.get(enterprise.section, _OTHER_TYPES)
    accident_type = rng.choices([t for t, _ in types], [w for _, w in types])[0]
    person = ctx.person(moment.date())
    made: list[Planned] = []
    decision = None
    if rng.random() < RECOGNITION_SHARE:
        decision = _recognition(ctx, enterprise, moment, person, accident_type, made)
    made.append(_treatment(ctx, enterprise, moment, person))
    if decision in ("RECOGNISED", "DEEMED"):
        _benefits_and_appraisal(ctx, enterprise, moment, person, made)
    if reported_accident or rng.random() < SERIOUS_ACCIDENT_SHARE:
        made.append(accident_report(ctx, enterprise, moment, accident_type))
    return made


#: sector -> where its accident reports go
ACCIDENT_MAPPINGS = {
    "E": "housing.construction-accident",
    "G": "transport.accident",
    "C": "emergency.accident-report",
}


def ensure_accident_reports(ctx: YearContext, at_least: int = 3) -> None:
    """A small year may draw no accident in a sector; every regulator gets a few reports."""
    for section, mapping in ACCIDENT_MAPPINGS.items():
        sector = [e for e in ctx.enterprises if e.section == section]
        while len(ctx.planned[mapping]) < at_least:
            injury(ctx, ctx.rng.choice(sector), ctx.moment(), reported_accident=True)


def _recognition(
    ctx: YearContext,
    e: Enterprise,
    moment: datetime,
    person: str,
    accident_type: str,
    made: list[Planned],
) -> str:
    rng = ctx.rng
    decision, basis, _ = rng.choices(_DECISIONS, [w for *_, w in _DECISIONS])[0]
    applied = ctx.later(moment, 2, 30)
    decided = ctx.later(applied, 10, 60)
    payload = ctx.of(
        e,
        application_no=ctx.serial("GS"),
        district=e.district,
        industry=e.industry.code,
        decision=decision,
        legal_basis=basis,
        decided_at=decided,
        accident_type=accident_type,
        lost_workdays=rng.randint(3, 180) if decision != "NOT_RECOGNISED" else None,
    )
    record = Planned(
        "hrss.injury-recognition",
        payload["application_no"],
        moment,
        applied,
        payload,
        e.district,
        e.industry.code,
        person,
        extra={"更新时间": decided},
    )
    made.append(ctx.add(record))
    return decision


def _treatment(ctx: YearContext, e: Enterprise, moment: datetime, person: str) -> Planned:
    rng = ctx.rng
    admitted = ctx.later(moment, 0, 0.2)
    inpatient = rng.random() < 0.3
    payload = ctx.of(
        e,
        record_no=ctx.serial("JZ"),
        hospital=rng.choice(_HOSPITALS),
        inpatient=inpatient,
        discharged_at=ctx.later(admitted, 3, 40) if inpatient else None,
        amount_fen=rng.randint(30_000, 4_000_000 if inpatient else 300_000),
    )
    reported = ctx.later(admitted, 1, 5)
    return ctx.add(
        Planned(
            "health.injury-treatment",
            payload["record_no"],
            admitted,
            reported,
            payload,
            e.district,
            e.industry.code,
            person,
        )
    )


def _benefits_and_appraisal(
    ctx: YearContext, e: Enterprise, moment: datetime, person: str, made: list[Planned]
) -> None:
    rng = ctx.rng
    benefits = ["MEDICAL"] + (["LOST_WAGES"] if rng.random() < 0.7 else [])
    if rng.random() < APPRAISAL_SHARE:
        applied = ctx.later(moment, 60, 120)
        grade = rng.choices(
            [None, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [20, 30, 20, 12, 8, 4, 2, 1.5, 1, 0.8, 0.7]
        )[0]
        care = "NONE" if grade is None or grade > 4 else rng.choice(["PARTIAL", "MOSTLY"])
        payload = ctx.of(e, appraisal_no=ctx.serial("JD"), grade=grade, care_dependency=care)
        made.append(
            ctx.add(
                Planned(
                    "hrss.disability-appraisal",
                    payload["appraisal_no"],
                    applied,
                    ctx.later(applied, 20, 60),
                    payload,
                    e.district,
                    e.industry.code,
                    person,
                )
            )
        )
        if grade is not None:
            benefits.append("ONE_OFF_DISABILITY")
    for benefit in benefits:
        paid = ctx.later(moment, 20, 150)
        payload = ctx.of(
            e,
            payment_no=ctx.serial("ZF"),
            benefit=benefit,
            amount_fen=rng.randint(50_000, 8_000_000),
        )
        made.append(
            ctx.add(
                Planned(
                    "hrss.benefit-payment",
                    payload["payment_no"],
                    paid,
                    ctx.later(paid, 0, 3),
                    payload,
                    e.district,
                    e.industry.code,
                    person,
                )
            )
        )


def accident_report(
    ctx: YearContext,
    e: Enterprise,
    moment: datetime,
    accident_type: str,
    deaths: int | None = None,
) -> Planned:
    """The production-safety accident report, to the regulator of the enterprise's sector."""
    rng = ctx.rng
    # Two accidents must never look like one report twice (the hub links reports by enterprise,
    # minute and type): a clash moves this one a minute on.
    while (key := (e.uscc, moment.replace(second=0), accident_type)) in ctx.accident_keys:
        moment += timedelta(minutes=1)
    ctx.accident_keys.add(key)
    deaths = deaths if deaths is not None else (1 if rng.random() < 0.25 else 0)
    serious = rng.randint(0 if deaths else 1, 2)
    minor = rng.randint(0, 3)
    loss = round(rng.uniform(5, 60) * (1 + deaths + serious), 1)
    payload = ctx.of(
        e,
        district=e.district,
        industry=e.industry.code,
        accident_type=accident_type,
        deaths=deaths,
        serious_injuries=serious,
        minor_injuries=minor,
        victims=deaths + serious + minor,
        direct_loss_wan_cny=loss,
        grade=ctx.codes.accident_grade(deaths, serious, loss),
    )
    reported = ctx.later(moment, 0.02, 1)
    if e.section == "E":
        mapping, prefix = "housing.construction-accident", "JZSG"
        payload["project_code"] = f"{e.district}{ctx.serial('XM')}"
    elif e.section == "G":
        mapping, prefix = "transport.accident", "JTSG"
        payload["mode"] = _TRANSPORT_MODES.get(e.industry.code, "OTHER")
    else:
        mapping, prefix = "emergency.accident-report", "AJSG"
        payload["description"] = _description(ctx, e, moment, payload)
    payload["accident_id"] = ctx.serial(prefix)
    report = ctx.add(
        Planned(
            mapping, payload["accident_id"], moment, reported, payload, e.district, e.industry.code
        )
    )
    if mapping != "emergency.accident-report" and rng.random() < CROSS_REPORT_SHARE:
        # 应急管理局 receives every production-safety accident too: the same accident, its own
        # number, reported a little later. The hub must count it once.
        shared = {k: v for k, v in payload.items() if k not in ("project_code", "mode")}
        shared["description"] = _description(ctx, e, moment, payload)
        shared["accident_id"] = ctx.serial("AJSG")
        twin = ctx.add(
            Planned(
                "emergency.accident-report", shared["accident_id"], moment,
                ctx.later(reported, 0.01, 2), shared, e.district, e.industry.code,
            )
        )  # fmt: skip
        ctx.accident_links.append((report, twin))
    return report


def _description(ctx: YearContext, e: Enterprise, moment: datetime, payload: dict[str, Any]) -> str:
    kind = ctx.codes.accident_types.codes[payload["accident_type"]].zh
    return (
        f"{moment:%m月%d日}{e.name}发生一起{kind}事故，"
        f"造成{payload['deaths']}人死亡、{payload['serious_injuries']}人重伤"
    )


def simulate_occupational_disease(ctx: YearContext) -> None:
    for enterprise in ctx.enterprises:
        if enterprise.industry.dusty:
            mean = enterprise.insured / 1000 * OD_PER_1000_DUSTY
            for _ in range(ctx.poisson(mean)):
                od_diagnosis(ctx, enterprise, ctx.moment())


def od_diagnosis(
    ctx: YearContext, e: Enterprise, moment: datetime, pick: int | None = None
) -> Planned:
    """A diagnosis; ``pick`` chooses the disease (index into the table) instead of drawing it."""
    rng = ctx.rng
    if pick is None:
        category, disease, factor, _ = rng.choices(_DISEASES, [d[-1] for d in _DISEASES])[0]
    else:
        category, disease, factor, _ = _DISEASES[pick]
    payload = ctx.of(
        e,
        diagnosis_no=ctx.serial("ZYB"),
        district=e.district,
        industry=e.industry.code,
        category=category,
        disease=disease,
        hazard_factor=factor,
        exposure_years=round(rng.uniform(3, 28), 1),
    )
    return ctx.add(
        Planned(
            "health.od-diagnosis",
            payload["diagnosis_no"],
            moment,
            ctx.later(moment, 1, 10),
            payload,
            e.district,
            e.industry.code,
            ctx.person(moment.date()),
        )
    )
