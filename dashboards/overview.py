"""态势全览 — the situation overview's data, from the thematic database: key figures of a period
with their change on the period before (环比) and a year earlier (同比), the monthly trend, the
breakdown by district and by key industry, and training against its targets.

Figures are sums of the hub's district × industry cells (``hub.hub_aggregate``) and rates are
recomputed from those sums (streams/contracts/indicators.py), never averaged."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from dashboards.periods import Period
from streams.contracts.codes import CodeLists
from streams.contracts.indicators import RATES, with_rates

KEY_FIGURES = (
    "insured", "recognised_injuries", "accidents", "deaths", "serious_injuries", "od_diagnoses",
    "hazards_found", "hazards_rectified_on_time", "training_completions", "fund_disbursed_yuan",
    *RATES,
)  # fmt: skip
TREND_FIGURES = ("recognised_injuries", "accidents", "deaths", "od_diagnoses",
                 "injuries_per_1000_insured")  # fmt: skip
OTHER_INDUSTRIES = "OTHER"


@dataclass(frozen=True)
class Filters:
    period: Period
    district: str | None = None
    industries: tuple[str, ...] = ()  # GB/T 4754 code prefixes (a key industry's divisions)

    def sql(self, district: str | None, industry: str) -> tuple[str, list[Any]]:
        """`` AND district = ? AND (industry LIKE ? OR …)`` on those columns (``district`` None:
        the table has none to filter) and its parameters; nothing for what is not filtered."""
        sql, parameters = "", []
        if district and self.district:
            sql, parameters = f" AND {district} = ?", [self.district]
        if self.industries:
            alternatives = " OR ".join(f"{industry} LIKE ?" for _ in self.industries)
            sql += f" AND ({alternatives})"
            parameters += [f"{prefix}%" for prefix in self.industries]
        return sql, parameters


def key_industry_prefixes(codes: CodeLists, key_industry: str) -> tuple[str, ...]:
    """The code prefixes (section letter and division: ``C33``) of one key industry; raises
    LookupError for a code that is not one."""
    for industry in codes.industries.key_industries:
        if industry.code == key_industry:
            sections = codes.industries.division_section
            return tuple(sorted(f"{sections[d]}{d}" for d in industry.divisions))
    raise LookupError(f"industry {key_industry!r} is not one of the key industries")


Cell = tuple[str, str, dict[str, float]]  # district, industry, metrics


def cells(connection: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[Cell]:
    """The district × industry cells of ``period`` that pass the filters."""
    sql = ('SELECT district, industry, metrics FROM hub.hub_aggregate WHERE "window" = ? '
           "AND kafka_key LIKE ? AND enterprise_id IS NULL")  # fmt: skip
    filtered, parameters = filters.sql("district", "industry")
    rows = connection.execute(
        sql + filtered, [period.window, f"{period.window}|{period.label}|%", *parameters]
    ).fetchall()
    return [(district, industry, json.loads(metrics)) for district, industry, metrics in rows]


def totals(rows: Iterable[Cell]) -> dict[str, float]:
    summed: dict[str, float] = defaultdict(float)
    for _, _, metrics in rows:
        for name, value in metrics.items():
            if name not in RATES:
                summed[name] += value
    return with_rates(dict(summed))


def change(now: float | None, before: float | None) -> float | None:
    """Relative change (0.25 = +25%); None when there is nothing to compare with."""
    if now is None or not before:
        return None
    return (now - before) / before


def key_figures(connection: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    period = filters.period
    current = totals(cells(connection, period, filters))
    before = totals(cells(connection, period.previous(), filters))
    year_ago = totals(cells(connection, period.year_earlier(), filters))
    return {
        name: {
            "value": current.get(name),
            "previous": before.get(name),
            "year_earlier": year_ago.get(name),
            "change_vs_previous": change(current.get(name), before.get(name)),
            "change_vs_year_earlier": change(current.get(name), year_ago.get(name)),
        }
        for name in KEY_FIGURES
    }


def trend(connection: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict[str, Any]]:
    """The period's year month by month, up to the period's last month."""
    period = filters.period
    months = Period(period.year).months()
    months = months[: months.index(period.months()[-1]) + 1]
    series = []
    for label in months:
        month_totals = totals(cells(connection, Period.parse(label), filters))
        series.append({"month": label, **{n: month_totals.get(n, 0.0) for n in TREND_FIGURES}})
    return series


def breakdown(
    rows: list[Cell], group: Callable[[Cell], str], names: Callable[[str], str]
) -> list[dict[str, Any]]:
    grouped: dict[str, list[Cell]] = defaultdict(list)
    for row in rows:
        grouped[group(row)].append(row)
    return sorted(
        ({"code": code, "name": names(code), **totals(members)} for code, members in
         grouped.items()),
        key=lambda entry: -float(entry.get("recognised_injuries", 0.0)),
    )  # fmt: skip


def key_industry_of(codes: CodeLists, industry: str) -> str:
    found = codes.industries.key_industry(industry)
    return found.code if found else OTHER_INDUSTRIES


def overview(connection: duckdb.DuckDBPyConnection, filters: Filters, codes: CodeLists,
             targets: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    """Everything the 态势全览 view draws."""
    rows = cells(connection, filters.period, filters)
    key_names = {k.code: k.zh for k in codes.industries.key_industries}
    key_names[OTHER_INDUSTRIES] = "其他行业"
    return {
        "period": filters.period.label,
        "previous": filters.period.previous().label,
        "year_earlier": filters.period.year_earlier().label,
        "figures": key_figures(connection, filters),
        "trend": trend(connection, filters),
        "by_district": breakdown(rows, lambda c: c[0], lambda code: _district_name(codes, code)),
        "by_industry": breakdown(
            rows, lambda c: key_industry_of(codes, c[1]), lambda code: key_names.get(code, code)
        ),
        "training": training(connection, filters, codes, targets),
    }


def _district_name(codes: CodeLists, code: str) -> str:
    entry = codes.districts.codes.get(code)
    return entry.zh if entry else code


def training(connection: duckdb.DuckDBPyConnection, filters: Filters, codes: CodeLists,
             targets: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    """Completions from the start of the period's year to its end, by category against its
    target, and by key industry."""
    months = filters.period.months()
    sql = (
        "SELECT category, industry, count(*) FROM training.hrss_training_completion "
        "WHERE strftime(timezone('Asia/Shanghai', occurred_at), '%Y-%m') BETWEEN ? AND ?"
    )
    parameters: list[Any] = [f"{filters.period.year}-01", months[-1]]
    # training completions carry no district: only the industry filter applies
    industry_sql, industry_parameters = filters.sql(None, "industry")
    rows = connection.execute(sql + industry_sql + " GROUP BY category, industry",
                              parameters + industry_parameters).fetchall()  # fmt: skip
    by_category: dict[str, int] = defaultdict(int)
    by_industry: dict[str, int] = defaultdict(int)
    for category, industry, count in rows:
        by_category[category] += count
        by_industry[key_industry_of(codes, industry or "")] += count
    categories = [
        {"category": category, "completed": by_category.get(category, 0), "target": target,
         "coverage": by_category.get(category, 0) / target if target else None}
        for category, target in targets.items()
    ]  # fmt: skip
    done, goal = sum(by_category.values()), sum(targets.values())
    return {
        "by_category": categories,
        "completed": done,
        "target": goal,
        "coverage": done / goal if goal else None,
        "by_industry": [
            {"industry": code, "completed": count} for code, count in sorted(by_industry.items())
        ],
    }
