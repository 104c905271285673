"""The hub's RocksDB store collects garbage only when a rebalance dropped a database."""

from __future__ import annotations

import gc
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

from streams.faust_store import HubRocksDBStore

CHANGELOG = "app-cells-changelog"


def _revoke(dbs: dict[int, Any], tps: set[TP], monkeypatch: pytest.MonkeyPatch) -> int:
    """Revokes ``tps`` from a store holding ``dbs``; how many collections it ran."""
    collections: list[int] = []

    def collect(*_: Any) -> int:
        collections.append(1)
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    store = SimpleNamespace(_dbs=dbs, logger=logging.getLogger("test"))
    table = SimpleNamespace(changelog_topic=SimpleNamespace(topics={CHANGELOG}))
    HubRocksDBStore.revoke_partitions(store, table, tps)  # type: ignore[arg-type]
    return len(collections)


def test_a_rebalance_that_revokes_nothing_collects_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    dbs = {0: object(), 1: object()}
    assert _revoke(dbs, set(), monkeypatch) == 0
    assert _revoke(dbs, {TP("another-table-changelog", 0)}, monkeypatch) == 0
    assert _revoke(dbs, {TP(CHANGELOG, 5)}, monkeypatch) == 0  # a partition it never opened
    assert sorted(dbs) == [0, 1]


def test_a_dropped_database_is_collected_so_that_it_can_be_opened_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dbs = {0: object(), 1: object()}
    assert _revoke(dbs, {TP(CHANGELOG, 0), TP(CHANGELOG, 1)}, monkeypatch) == 1
    assert dbs == {}
