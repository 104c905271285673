"""The provenance log on a real broker: `injuryhub audit record` writes one chained entry per
published event (poison included) and resumes exactly where it stopped; `injuryhub audit
verify` passes on the intact log and names the entry a test altered, removed or reordered."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from streams.clients import make_producer
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue
from tests.examples import example_record
from tests.support import unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
ACCIDENTS = "dept.emergency.accident-report.v1"
RECOGNITIONS = "dept.hrss.injury-recognition.v1"


def _cli(bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": bootstrap, "COLUMNS": "200",
           "NO_COLOR": "1"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "injuryhub", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


def _publish(bootstrap: str, prefix: str, count: int, start: int) -> None:
    with make_producer(bootstrap, "provenance-test") as producer:
        for n in range(start, start + count):
            topic = ACCIDENTS if n % 2 else RECOGNITIONS
            schema = REGISTRY.latest(topic.split(".")[1] + "." + topic.split(".")[2])
            record = example_record(schema)
            record["envelope"]["event_id"] = f"event-{n}"
            producer.send(prefix + topic, key=b"%d" % n, value=encode(schema, record))
        producer.send(prefix + ACCIDENTS, key=b"poison", value=b"not avro at all")
        producer.flush()


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def test_the_log_records_every_event_once_and_verify_names_what_was_tampered_with(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = unique("prov") + "."
    ensure_topics(kafka_bootstrap, catalogue(), 1, prefix)
    _publish(kafka_bootstrap, prefix, 6, 0)
    first = _cli(kafka_bootstrap, "audit", "record", "--topic-prefix", prefix)
    assert first.returncode == 0 and "7 entries added" in first.stdout, first.stdout + first.stderr

    _publish(kafka_bootstrap, prefix, 4, 6)  # a second run goes on where the first stopped
    second = _cli(kafka_bootstrap, "audit", "record", "--topic-prefix", prefix)
    assert "5 entries added" in second.stdout, second.stdout + second.stderr
    intact = _cli(kafka_bootstrap, "audit", "verify", "--topic-prefix", prefix)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    # a seal ends every transaction: at least one per run, more if a run polled several batches
    found = re.search(r"provenance log intact: 12 entries, (\d+) seals\n", intact.stdout)
    assert found and int(found[1]) >= 2, intact.stdout

    exported = tmp_path / "log.jsonl"
    _cli(kafka_bootstrap, "audit", "export", "--out", str(exported), "--topic-prefix", prefix)
    lines = _lines(exported)
    entries = [line["entry"] for line in lines if "entry" in line]
    assert [e["seq"] for e in entries] == list(range(1, 13))
    recorded = {(e["topic"], e["partition"], e["offset"]) for e in entries}
    assert len(recorded) == 12  # each message once
    poison = [e for e in entries if e["event_id"] == ""]
    assert len(poison) == 2 and all(p["principal"] == "dept-emergency" for p in poison)
    assert {e["event_id"] for e in entries} >= {f"event-{n}" for n in range(10)}
    assert _cli(kafka_bootstrap, "audit", "verify", "--file", str(exported)).returncode == 0

    def verify_after(change: list[dict[str, Any]]) -> str:
        tampered = tmp_path / "tampered.jsonl"
        _write(tampered, change)
        checked = _cli(kafka_bootstrap, "audit", "verify", "--file", str(tampered))
        assert checked.returncode == 1, checked.stdout + checked.stderr
        assert "Traceback" not in checked.stderr
        return " ".join(checked.stderr.split())

    altered = json.loads(json.dumps(lines))
    altered[4]["entry"]["payload_sha256"] = "0" * 64
    assert "entry 5 (" in verify_after(altered) and "(altered)" in verify_after(altered)
    removed = [line for line in lines if line.get("entry", {}).get("seq") != 3]
    assert "entry 4 (" in verify_after(removed) and "missing" in verify_after(removed)
    reordered = list(lines)
    reordered[1], reordered[2] = reordered[2], reordered[1]
    assert "expected entry 2" in verify_after(reordered)
