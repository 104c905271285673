"""An in-memory transactional log and producer standing in for Kafka in broker-free connector
tests: what read_committed readers would see is the messages of committed transactions."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connectors.checkpoints import Checkpoint, checkpoint_key
from connectors.mapping import load_mapping
from connectors.pipeline import Connector
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


def accident_connector(
    log: CommittedLog,
    first: TransactionalProducer,
    renew: Any,
    offload_after: int | None = None,
    now: Callable[[], datetime] | None = None,
) -> Connector:
    """The accident-report connector on ``log``, committing every 10 records."""
    mapping = load_mapping(REPO_ROOT / "connectors/mappings/emergency.accident-report.yaml", CODES)
    clock = {} if now is None else {"now": now}
    return Connector(
        "accidents", mapping, load_registry(SETTINGS.schemas_path), EventValidator(CODES),
        Pseudonymiser(SecretStr("unit-test-key-0123456789")), first, log,  # type: ignore[arg-type]
        topic="events", dead_letter_topic="dead", checkpoint_every=10,
        renew_producer=renew, transaction_timeout_s=0.5, offload_after=offload_after, **clock,
    )  # fmt: skip


def accidents_csv(tmp_path: Path, rows: int | list[str]) -> CsvSource:
    """A CSV of ``rows`` good accident reports, or of the given data lines."""
    lines = [ROW.format(n=n) for n in range(rows)] if isinstance(rows, int) else rows
    path = tmp_path / "accidents.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return CsvSource(path)
