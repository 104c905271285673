"""A connector whose producer gets stuck in a commit (kafka-python waits for ever on a dead
transaction coordinator) hands over to a fresh producer, which resumes from the last committed
checkpoint: every record published once. Broker-free: an in-memory transactional log stands in
for the producer and the checkpoint topic."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.checkpoints import Checkpoint
from connectors.pipeline import StuckTransaction
from tests.in_memory_transactions import (
    CommittedLog,
    TransactionalProducer,
    accident_connector,
    accidents_csv,
)


def test_a_stuck_commit_hands_over_to_a_new_producer_that_resumes_exactly(
    tmp_path: Path,
) -> None:
    log = CommittedLog()
    stuck = TransactionalProducer(log, stuck_at_commit=3)  # after 20 records are committed
    fresh: list[TransactionalProducer] = []

    def renew() -> TransactionalProducer:
        fresh.append(TransactionalProducer(log))
        return fresh[-1]

    report = accident_connector(log, stuck, renew).run(accidents_csv(tmp_path, 45))
    assert stuck.closed and len(fresh) == 1
    assert len(log.events()) == 45 == len(set(log.events()))
    assert report.totals.read == report.totals.published == 45
    assert report.this_run_read == 45


def test_without_a_way_to_renew_the_stuck_commit_is_a_clear_error(tmp_path: Path) -> None:
    log = CommittedLog()
    connector = accident_connector(log, TransactionalProducer(log, stuck_at_commit=1), None)
    with pytest.raises(StuckTransaction, match=r"commit took more than 0\.5 s"):
        connector.run(accidents_csv(tmp_path, 15))
    assert log.events() == []


class LaggingLog(CommittedLog):
    """A checkpoints topic whose readers see nothing yet: the commit markers of the
    connector's transactions have not reached the partitions."""

    def load(self, connector: str, source: str) -> Checkpoint:
        return Checkpoint()


def test_a_run_right_after_a_commit_resumes_from_it_though_the_topic_lags(
    tmp_path: Path,
) -> None:
    log = LaggingLog()
    connector = accident_connector(log, TransactionalProducer(log), None)
    source = accidents_csv(tmp_path, 25)
    first = connector.run(source)
    again = connector.run(source)
    assert len(log.events()) == 25 == len(set(log.events()))
    assert first.totals.read == again.totals.read == 25
    assert again.this_run_read == 0
