"""Rolling 30- and 90-day windows of a district × industry, as of its newest day with data.

One cell per pair keeps the totals of its last 90 days (older days are dropped: no rolling
window reaches them), so the two current windows are summed from one read. A day is put in
whole — its totals as the day cell holds them — never added to, so applying a contribution again
changes nothing. An event late by 90 days or more changes no current window.

Each pair has one current snapshot per kind, key ``ROLLING_30D|current|<district>|<industry>``,
whose window bounds say the days it covers. A quiet pair's windows stay as of its last day with
data; a reader wanting "the last 30 days as of D" for the whole city sums the day snapshots
instead (the thematic database holds them).
"""

from __future__ import annotations

from datetime import date, timedelta

from agents.aggregation.cells import add_up
from agents.aggregation.rollup import CellStore, Totals
from agents.aggregation.windows import ROLLING_DAYS, Window, WindowKind, rolling

KEPT_DAYS = max(ROLLING_DAYS.values())


def days_key(district: str, industry: str) -> str:
    return f"ROLLING|days|{district}|{industry}"


def current_key(kind: WindowKind, district: str, industry: str) -> str:
    return f"{kind}|current|{district}|{industry}"


def update_rolling(
    store: CellStore, district: str, industry: str, day: date, day_totals: Totals
) -> None:
    """Put ``day``'s totals (as its day cell holds them) in the pair's last days."""
    key = days_key(district, industry)
    days: dict[str, Totals] = dict(store.get(key) or {})
    # ISO dates order as their strings do: no parsing of the 90 days kept
    label = day.isoformat()
    as_of = date.fromisoformat(max(label, *days)) if days else day
    if day <= as_of - timedelta(days=KEPT_DAYS) or days.get(label) == day_totals:
        return
    days[label] = day_totals
    oldest_kept = (as_of - timedelta(days=KEPT_DAYS - 1)).isoformat()
    store[key] = {d: t for d, t in days.items() if d >= oldest_kept}


def current_rolling(store: CellStore, district: str, industry: str) -> list[tuple[Window, Totals]]:
    """The pair's current 30- and 90-day windows and their totals (none before its first day)."""
    days: dict[str, Totals] = dict(store.get(days_key(district, industry)) or {})
    if not days:
        return []
    as_of = date.fromisoformat(max(days))
    current = []
    for kind, length in ROLLING_DAYS.items():
        first = (as_of - timedelta(days=length - 1)).isoformat()
        inside = [t for d, t in days.items() if d >= first]
        current.append((rolling(kind, as_of), add_up(inside)))
    return current
