"""A data correction end to end on a real broker and worker: a reader flags an accident report,
the owner confirms and publishes the corrected record, and the aggregates replace the original's
figures (counted once, not twice)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from injuryhub.worker_process import running_worker
from streams.clients import make_producer
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue
from tests.examples import example_record
from tests.pipeline import monthly_cells, run_cli, wait_on_worker
from tests.support import unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
USCC = "91350100M000100Y43"  # a valid GB 32100 code (the examples')
CELL = "2026-11|370211|C3311"
ACCIDENTS = "dept.emergency.accident-report.v1"


def _publish_enterprise_and_accident(bootstrap: str, prefix: str) -> None:
    enterprise_schema = REGISTRY.latest("reference.enterprise")
    enterprise = example_record(enterprise_schema) | {"uscc": USCC}
    enterprise["envelope"]["event_id"] = "enterprise-1"
    accident_schema = REGISTRY.latest("emergency.accident-report")
    accident = example_record(accident_schema) | {
        "enterprise_id": USCC, "serious_injuries": 1, "victims": 1, "direct_loss_wan_cny": 30.0,
    }  # fmt: skip
    accident["envelope"]["event_id"] = "accident-1"
    accident["envelope"]["occurred_at"] = accident["envelope"]["occurred_at"].replace(
        year=2026, month=11, day=10
    )
    with make_producer(bootstrap, "correction-test") as producer:
        producer.send(prefix + "hub.enterprises", key=USCC.encode(),
                      value=encode(enterprise_schema, enterprise))  # fmt: skip
        producer.send(prefix + ACCIDENTS, key=USCC.encode(),
                      value=encode(accident_schema, accident))  # fmt: skip
        producer.flush()


def test_flag_confirm_correct_and_the_aggregates_follow(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = unique("correction") + "."
    ensure_topics(kafka_bootstrap, catalogue(), 1, prefix)
    _publish_enterprise_and_accident(kafka_bootstrap, prefix)
    env = {"INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "INJURYHUB_STATE_DIR": str(tmp_path)}
    args = ["--app-id", unique("correction-app"), "--topic-prefix", prefix,
            "--intake-source", prefix + ACCIDENTS,
            "--intake-result", prefix + "hub.intake-counts"]  # fmt: skip
    log = tmp_path / "worker.log"

    def month() -> dict[str, float]:
        return monthly_cells(kafka_bootstrap, prefix + "hub.aggregates").get(CELL, {})

    def cli(*arguments: str) -> str:
        return run_cli(*arguments, "--topic-prefix", prefix, bootstrap=kafka_bootstrap,
                       env={"COLUMNS": "250"})  # fmt: skip

    with running_worker(args, log, env) as worker:
        wait_on_worker(lambda: month().get("accidents") == 1, worker, log, 240)
        # the published cells leave zero figures out
        assert (month().get("deaths", 0), month()["serious_injuries"]) == (0, 1)

        flagged = cli("correction", "flag", "--department", "hrss", "--topic", ACCIDENTS,
                      "--event-id", "accident-1", "--actor", "wang.hrss",
                      "--reason", "工伤认定: 重伤者已于次日死亡 died the next day")  # fmt: skip
        found = re.search(r"flag (C\d{8}-[0-9a-f]{6}): pending; emergency answers by", flagged)
        assert found, flagged
        flag_id = found[1]
        cli("correction", "confirm", flag_id, "--actor", "zhao.emergency",
            "--department", "emergency", "--note", "医院证明 hospital record")  # fmt: skip
        broken = subprocess.run(
            [sys.executable, "-m", "injuryhub", "correction", "publish", flag_id, "--actor", "z",
             "--department", "emergency", "--set", "deaths=1", "--topic-prefix", prefix],
            env={**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert broken.returncode == 1 and "breaks its contract" in broken.stderr  # victims < 2
        published = cli("correction", "publish", flag_id, "--actor", "zhao.emergency",
                        "--department", "emergency", "--set", "deaths=1",
                        "--set", "serious_injuries=0")  # fmt: skip
        assert f"{prefix}{ACCIDENTS}[" in published

        wait_on_worker(lambda: month().get("deaths") == 1, worker, log, 240)
        assert month()["accidents"] == 1  # superseded, not added
        assert month().get("serious_injuries", 0) == 0
        assert month()["accident_reports"] == 1  # the report too: replaced
    listed = cli("correction", "list")
    assert flag_id in listed and "corrected" in listed
