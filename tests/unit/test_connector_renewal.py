"""A connector whose producer gets stuck in a commit (kafka-python waits for ever on a dead
transaction coordinator) hands over to a fresh producer, which resumes from the last committed
checkpoint: every record published once. Broker-free: an in-memory transactional log stands in
for the producer and the checkpoint topic."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.checkpoints import Checkpoint, checkpoint_key
from connectors.mapping import load_mapping
from connectors.pipeline import Connector, StuckTransaction
from connectors.pseudonym import Pseudonymiser
from connectors.sources.files import CsvSource
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.contracts.validation import EventValidator
from streams.settings import HubSettings
from tests.support import REPO_ROOT

SETTINGS = HubSettings()
CODES = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)
HEADER = (
    "事故编号,事故发生时间,报告时间,统一社会信用代码,行政区划代码,行业代码,事故类别,"
    "死亡人数,重伤人数,轻伤人数,受害人数,直接经济损失(万元),事故等级,事故简况"
)
ROW = (
    "SG-{n},2025-03-01 09:30,2025-03-01 11:00,91350100M000100Y43,370211,C3311,高处坠落,"
    "0,1,0,1,12.5,一般事故,脚手架坠落"
)


class CommittedLog:
    """What read_committed readers would see: the messages of committed transactions."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes, bytes]] = []
        self.hang = threading.Event()  # set: never released (a stuck commit)

    @property
    def topic(self) -> str:
        return "checkpoints"

    def load(self, connector: str, source: str) -> Checkpoint:
        key = checkpoint_key(connector, source)
        found = [value for topic, k, value in self.messages if topic == self.topic and k == key]
        if not found:
            return Checkpoint()
        fields = json.loads(found[-1])
        return Checkpoint(**fields)

    def events(self) -> list[bytes]:
        return [value for topic, _, value in self.messages if topic == "events"]


class TransactionalProducer:
    def __init__(self, log: CommittedLog, stuck_at_commit: int | None = None) -> None:
        self.log, self.stuck_at_commit, self.commits = log, stuck_at_commit, 0
        self.open: list[tuple[str, bytes, bytes]] = []
        self.closed = False

    def init_transactions(self) -> None:
        self.open = []

    def begin_transaction(self) -> None:
        self.open = []

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        self.open.append((topic, key, value))

    def commit_transaction(self) -> None:
        self.commits += 1
        if self.commits == self.stuck_at_commit:
            threading.Event().wait()  # for ever, as kafka-python does
        self.log.messages += self.open
        self.open = []

    def abort_transaction(self) -> None:
        self.open = []

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


def _connector(log: CommittedLog, first: TransactionalProducer, renew: Any) -> Connector:
    mapping = load_mapping(REPO_ROOT / "connectors/mappings/emergency.accident-report.yaml", CODES)
    return Connector(
        "accidents", mapping, load_registry(SETTINGS.schemas_path), EventValidator(CODES),
        Pseudonymiser(SecretStr("unit-test-key-0123456789")), first, log,  # type: ignore[arg-type]
        topic="events", dead_letter_topic="dead", checkpoint_every=10,
        renew_producer=renew, transaction_timeout_s=0.5,
    )  # fmt: skip


def _csv(tmp_path: Path, rows: int) -> CsvSource:
    path = tmp_path / "accidents.csv"
    lines = [HEADER, *(ROW.format(n=n) for n in range(rows))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return CsvSource(path)


def test_a_stuck_commit_hands_over_to_a_new_producer_that_resumes_exactly(
    tmp_path: Path,
) -> None:
    log = CommittedLog()
    stuck = TransactionalProducer(log, stuck_at_commit=3)  # after 20 records are committed
    fresh: list[TransactionalProducer] = []

    def renew() -> TransactionalProducer:
        fresh.append(TransactionalProducer(log))
        return fresh[-1]

    report = _connector(log, stuck, renew).run(_csv(tmp_path, 45))
    assert stuck.closed and len(fresh) == 1
    assert len(log.events()) == 45 == len(set(log.events()))
    assert report.totals.read == report.totals.published == 45
    assert report.this_run_read == 45


def test_without_a_way_to_renew_the_stuck_commit_is_a_clear_error(tmp_path: Path) -> None:
    log = CommittedLog()
    connector = _connector(log, TransactionalProducer(log, stuck_at_commit=1), None)
    with pytest.raises(StuckTransaction, match=r"commit took more than 0\.5 s"):
        connector.run(_csv(tmp_path, 15))
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
    connector = _connector(log, TransactionalProducer(log), None)
    source = _csv(tmp_path, 25)
    first = connector.run(source)
    again = connector.run(source)
    assert len(log.events()) == 25 == len(set(log.events()))
    assert first.totals.read == again.totals.read == 25
    assert again.this_run_read == 0
