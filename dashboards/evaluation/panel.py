"""The enterprise × month panel the evaluation fits: injuries, insured headcount (the exposure)
and the month each enterprise was first trained, built from the thematic database or from any
rows of the same shape."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

CITY_ZONE = ZoneInfo("Asia/Shanghai")
PANEL_COLUMNS = ("enterprise_id", "industry", "month", "injuries", "insured", "trained_month",
                 "funded_month")  # fmt: skip


def month_of(moment: datetime) -> str:
    """``2025-04`` of an aware moment, in the city's time."""
    return moment.astimezone(CITY_ZONE).strftime("%Y-%m")


def _first_months(moments: Iterable[tuple[str, datetime]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for enterprise, when in moments:
        month = month_of(when)
        if enterprise not in first or month < first[enterprise]:
            first[enterprise] = month
    return first


def enterprise_months(
    headcounts: Iterable[tuple[str, str, date, int]],
    injuries: Iterable[tuple[str, datetime]],
    trainings: Iterable[tuple[str, datetime]],
    fundings: Iterable[tuple[str, datetime]] = (),
) -> pd.DataFrame:
    """One row per enterprise and month it reported a headcount for.

    ``headcounts``: (enterprise, industry, month's first day, insured); ``injuries``: (enterprise,
    when) of each injured worker; ``trainings``: (enterprise, when) of each training completion.
    ``trained_month`` is the enterprise's first training month (``None``: never trained);
    ``funded_month`` its first prevention-fund payment's (``fundings``: (payee, when)).
    """
    frame = pd.DataFrame(
        [(e, industry, day.strftime("%Y-%m"), insured) for e, industry, day, insured in headcounts],
        columns=["enterprise_id", "industry", "month", "insured"],
    ).drop_duplicates(["enterprise_id", "month"], keep="last")
    counted = pd.DataFrame([(e, month_of(when)) for e, when in injuries],
                           columns=["enterprise_id", "month"])  # fmt: skip
    per_month = counted.groupby(["enterprise_id", "month"]).size().rename("injuries")
    frame = frame.join(per_month, on=["enterprise_id", "month"])
    frame["injuries"] = frame["injuries"].fillna(0).astype(int)
    for column, moments in (("trained_month", trainings), ("funded_month", fundings)):
        months = frame["enterprise_id"].map(_first_months(moments)).astype(object)
        frame[column] = months.where(months.notna(), None)
    frame = frame[frame["insured"] > 0]
    return frame.loc[:, list(PANEL_COLUMNS)].sort_values(["enterprise_id", "month"],
                                                         ignore_index=True)  # fmt: skip


def _monday(moment: datetime) -> date:
    local = moment.astimezone(CITY_ZONE).date()
    return local - timedelta(days=local.weekday())


def city_weeks(
    headcounts: Iterable[tuple[str, str, date, int]], injuries: Iterable[tuple[str, datetime]]
) -> pd.DataFrame:
    """The city's injuries per week (Monday to Sunday, city time) with the insured headcount of
    the week's month (the month of its Thursday, as ISO weeks are given their year): what the
    interrupted time series fits. Weeks without a month's headcount are left out (no exposure
    known)."""
    months = [(day.strftime("%Y-%m"), count) for _, _, day, count in headcounts]
    insured = pd.DataFrame(months, columns=["month", "insured"]).groupby("month")["insured"].sum()
    starts = [_monday(when) for _, when in injuries]
    counted = pd.Series(1, index=pd.Index(starts, name="week_start")).groupby(level=0).sum()
    if insured.empty:
        return pd.DataFrame(columns=["week_start", "injuries", "insured"])
    first = pd.Timestamp(min(insured.index) + "-01")
    last = pd.Timestamp(max(insured.index) + "-01") + pd.offsets.MonthEnd(0)
    weeks = pd.date_range(first - pd.Timedelta(days=first.weekday()), last, freq="7D")
    frame = pd.DataFrame({"week_start": [w.date() for w in weeks]})
    frame["injuries"] = frame["week_start"].map(counted).fillna(0).astype(int)
    thursdays = frame["week_start"].map(lambda d: (d + timedelta(days=3)).strftime("%Y-%m"))
    frame["insured"] = thursdays.map(insured)
    return frame.dropna(subset=["insured"]).reset_index(drop=True)
