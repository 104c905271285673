"""A batch rolls its cells up once (agents/aggregation/cells_batch.py): the cells, and the
snapshots, are exactly what applying each contribution on its own leaves (rollup.py and
rolling.py, one contribution at a time), for random years cut into random batches, with
repeats, newer versions and late events; a batch read again repairs a half-written one."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from agents.aggregation.cells_batch import SNAPSHOT_TYPE, CellsBatch
from agents.aggregation.metrics import Contribution
from agents.aggregation.rolling import current_key, current_rolling, update_rolling
from agents.aggregation.rollup import CellState, Totals, roll_up, roll_up_enterprise
from agents.aggregation.windows import CITY_ZONE, Window, WindowKind, tumbling
from streams.contracts.wire import decode
from tests.faust_context import NOW, REGISTRY

SCHEMA = REGISTRY.latest(SNAPSHOT_TYPE)
PLACES = [("370211", "C37"), ("370211", "E47"), ("370202", "C37")]
ENTERPRISES = ["91370200MA3C000001", "91370200MA3C000002", ""]


def _year(seed: int, count: int) -> list[Contribution]:
    chosen = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=CITY_ZONE)
    made: list[Contribution] = []
    for n in range(count):
        if made and chosen.random() < 0.15:  # the same event again, or a newer version of it
            again = chosen.choice(made)
            metrics = dict(again.metrics)
            if chosen.random() < 0.5:
                metrics["lost_workdays"] = float(chosen.randint(0, 30))
            made.append(Contribution(again.identity, again.occurred, again.district,
                                     again.industry, again.enterprise_id, metrics))  # fmt: skip
            continue
        district, industry = chosen.choice(PLACES)
        when = start + timedelta(days=chosen.randint(0, 364), hours=chosen.randint(0, 23))
        metrics = {"accidents": 1.0, "direct_loss_wan_cny": round(chosen.random() * 9, 2)}
        if chosen.random() < 0.3:
            metrics = {"insured": float(chosen.randint(10, 500))}
        made.append(Contribution(f"e{n}", when, district, industry,
                                 chosen.choice(ENTERPRISES), metrics))  # fmt: skip
    return made


def _one_at_a_time(store: dict[str, Any], added: Contribution) -> dict[str, tuple[Window, Totals]]:
    """Every cell ``added`` belongs to, with its totals, as the roll-up on its own leaves it."""
    states: list[CellState] = []
    roll_up(store, added, states)
    roll_up_enterprise(store, added, states)
    day, _, _, day_totals = states[0]
    update_rolling(store, added.district, added.industry, day.start.date(), day_totals)
    cells = {key: (window, totals) for window, key, _, totals in states}
    for window, totals in current_rolling(store, added.district, added.industry):
        cells[current_key(window.kind, added.district, added.industry)] = (window, totals)
    return cells


def _batches(year: list[Contribution], seed: int) -> list[list[Contribution]]:
    chosen = random.Random(seed)
    cuts = sorted(chosen.sample(range(1, len(year)), 12))
    return [year[a:b] for a, b in zip([0, *cuts], [*cuts, len(year)], strict=True)]


def _published(value: bytes) -> tuple[Window, dict[str, float]]:
    snapshot = decode(REGISTRY, value)[1]
    window = Window(WindowKind(snapshot["window"]), snapshot["window_start"].astimezone(CITY_ZONE),
                    snapshot["window_end"].astimezone(CITY_ZONE))  # fmt: skip
    return window, snapshot["metrics"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_a_batch_leaves_what_one_contribution_at_a_time_leaves(seed: int) -> None:
    year = _year(seed, 400)
    expected: dict[str, Any] = {}
    table: dict[str, Any] = {}
    for batch in _batches(year, seed):
        touched: dict[str, tuple[Window, Totals]] = {}
        for added in batch:
            touched.update(_one_at_a_time(expected, added))
        cells = CellsBatch(table, SCHEMA, lambda: NOW)
        for added in batch:
            await cells.add(added)
        snapshots = {key.decode(): _published(value) for key, value in await cells.snapshots()}
        cells.flush()
        assert table == expected
        assert snapshots.keys() == touched.keys()
        for key, (window, totals) in touched.items():
            assert snapshots[key][0] == window, key
            published = snapshots[key][1]
            for metric in ("accidents", "direct_loss_wan_cny"):
                assert published.get(metric, 0.0) == totals.get(metric, 0.0), key


async def test_a_batch_read_again_repairs_what_a_crash_left_half_written() -> None:
    year = _year(7, 200)
    whole: dict[str, Any] = {}
    cells = CellsBatch(whole, SCHEMA, lambda: NOW)
    for added in year:
        await cells.add(added)
    await cells.snapshots()
    cells.flush()
    # the crash: only the cells that keep each identity (days, enterprise months) were written
    half: dict[str, Any] = {key: value for key, value in whole.items()
                            if key.startswith("DAY|") or key.count("|") == 4}  # fmt: skip
    again = CellsBatch(half, SCHEMA, lambda: NOW)
    for added in year:
        await again.add(added)
    assert len(await again.snapshots()) > 0
    again.flush()
    assert half == whole


async def test_the_surge_watch_sees_each_week_once_with_all_its_metrics() -> None:
    seen: list[tuple[str, str, Window, set[str]]] = []

    async def watch(store: Any, district: str, industry: str, week: Window,
                    metrics: set[str]) -> None:  # fmt: skip
        seen.append((district, industry, week, set(metrics)))
        assert store.get(f"WEEK|{week.label}|{district}|{industry}")  # rolled up already

    monday = datetime(2025, 3, 3, 9, tzinfo=CITY_ZONE)
    cells = CellsBatch({}, SCHEMA, lambda: NOW, watch)
    for n, metrics in enumerate([{"accidents": 1.0}, {"treatments": 1.0}, {"accidents": 1.0}]):
        await cells.add(Contribution(f"e{n}", monday + timedelta(days=n), "370211", "C37", "",
                                     metrics))  # fmt: skip
    await cells.add(Contribution("late", monday - timedelta(days=7), "370211", "C37", "",
                                 {"accidents": 1.0}))  # fmt: skip
    await cells.snapshots()
    week = tumbling(WindowKind.WEEK, monday)
    earlier = tumbling(WindowKind.WEEK, monday - timedelta(days=7))
    assert sorted(seen) == sorted([
        ("370211", "C37", week, {"accidents", "treatments"}),
        ("370211", "C37", earlier, {"accidents"}),
    ])  # fmt: skip
