"""The synthetic enterprise registry: Qingdao's ten districts, the profile's industry mix,
long-tailed headcounts and most workers insured."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.synthetic.plan import Planned, make_uscc
from connectors.synthetic.profile import DISTRICT_WEIGHTS, INDUSTRIES, IndustryProfile

_NAME_HEADS = "海丰瑞华泰鑫宏达恒信德利源盛安通明远新兴润青港"
_NAME_TAILS = {
    "B": "矿业",
    "C": "制造",
    "D": "能源",
    "E": "建设工程",
    "F": "商贸",
    "G": "物流运输",
    "H": "餐饮管理",
    "I": "信息技术",
    "L": "企业管理咨询",
    "O": "维修服务",
}


@dataclass(frozen=True)
class Enterprise:
    uscc: str
    name: str
    district: str
    industry: IndustryProfile
    headcount: int
    insured: int
    registered: datetime

    @property
    def section(self) -> str:
        return self.industry.code[0]


def make_registry(rng: random.Random, count: int, year: int) -> list[Enterprise]:
    districts = list(DISTRICT_WEIGHTS)
    district_weights = list(DISTRICT_WEIGHTS.values())
    industry_weights = [profile.weight for profile in INDUSTRIES]
    seen: set[str] = set()
    enterprises: list[Enterprise] = []
    while len(enterprises) < count:
        district = rng.choices(districts, district_weights)[0]
        # Every industry at least once, so that even a tiny year has each kind of record.
        if len(enterprises) < len(INDUSTRIES):
            industry = INDUSTRIES[len(enterprises)]
        else:
            industry = rng.choices(INDUSTRIES, industry_weights)[0]
        uscc = make_uscc(rng, district)
        if uscc in seen:
            continue
        seen.add(uscc)
        # Log-normal headcount: median ~30, a long tail of large plants, capped at 30,000.
        headcount = max(3, min(30_000, int(math.exp(rng.gauss(3.4, 1.2)))))
        insured = max(1, round(headcount * rng.uniform(0.72, 1.0)))
        name = (
            "青岛"
            + "".join(rng.sample(_NAME_HEADS, 2))
            + _NAME_TAILS.get(industry.code[0], "实业")
            + "有限公司"
        )
        founded = datetime(year - 1, 12, 31, tzinfo=UTC) - timedelta(days=rng.randrange(30, 9000))
        enterprises.append(Enterprise(uscc, name, district, industry, headcount, insured, founded))
    return enterprises


def registry_records(enterprises: list[Enterprise], year: int) -> list[Planned]:
    updated = datetime(year, 1, 1, 8, tzinfo=UTC)
    return [
        Planned(
            "reference.enterprise",
            e.uscc,
            e.registered,
            updated,
            {
                "uscc": e.uscc,
                "name": e.name,
                "district": e.district,
                "industry": e.industry.code,
                "headcount": e.headcount,
                "insured_headcount": e.insured,
            },
            district=e.district,
            industry=e.industry.code,
        )
        for e in enterprises
    ]
