"""A generated year with the bad-input corpus, replayed by `injuryhub replay` into the real broker:
per topic the counts equal the ground truth exactly, every bad record is in its department's
dead-letter topic at its position with its specific reason, no clear resident ID is anywhere, and
the replay killed with SIGKILL mid-way (during SQL polling, during the HTTP pushes) and restarted
ends with exactly the same topics."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.checkpoints import CHECKPOINT_TOPIC, REQUEST_PREFIX, Checkpoint, KafkaCheckpoints
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from streams.topics.catalogue import DEPARTMENTS
from tests.pipeline import assert_matches_truth, generated_year, published_topics, run_cli
from tests.support import unique

pytestmark = pytest.mark.kafka
REGISTRY = load_registry(HubSettings().schemas_path)
ZONE = ZoneInfo("Asia/Shanghai")
#: the generator's resident IDs (Qingdao-born, 370200…), valid or spoiled; a USCC cannot match,
#: it starts with 91 and no ID sits inside a longer run of digits
CLEAR_RESIDENT_ID = re.compile(r"(?<![0-9A-Z])370200\d{11}[\dXx](?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("year") / "qingdao-2025"
    return folder, generated_year(folder, scale=0.02, seed=11)


@pytest.fixture(scope="module")
def replayed(
    kafka_bootstrap: str, year: tuple[Path, dict[str, Any]]
) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    folder, truth = year
    prefix = unique("replay") + "."
    output = run_cli("replay", str(folder), "--topic-prefix", prefix, bootstrap=kafka_bootstrap)
    assert "every connector matches the ground truth" in output
    return prefix, published_topics(kafka_bootstrap, prefix, truth)


def test_generated_year_has_every_department_and_25_kinds_of_bad_input(
    year: tuple[Path, dict[str, Any]],
) -> None:
    folder, truth = year
    departments = {topic.split(".")[1] for topic in truth["topics"] if topic.startswith("dept.")}
    assert departments == set(DEPARTMENTS)
    assert len(truth["bad_record_kinds"]) >= 25
    assert len(truth["bad_records"]) == len(truth["bad_record_kinds"])  # one of each kind
    assert (folder / "emergency" / "accident-reports.csv").read_bytes().decode("gbk")
    assert {c["kind"] for c in truth["clusters"]} == {
        "repeat-accident-enterprise", "district-industry-surge",
        "occupational-disease-cluster", "hazard-exceedance",
    }  # fmt: skip


def test_every_topic_holds_exactly_the_ground_truth(
    replayed: tuple[str, dict[str, list[dict[str, Any]]]], year: tuple[Path, dict[str, Any]]
) -> None:
    _, topics = replayed
    assert_matches_truth(topics, year[1])


def test_every_bad_record_is_a_dead_letter_with_its_specific_reason(
    replayed: tuple[str, dict[str, list[dict[str, Any]]]], year: tuple[Path, dict[str, Any]]
) -> None:
    _, topics = replayed
    letters = {
        letter["position"]: letter
        for topic, records in topics.items()
        if topic.startswith("hub.dlq.")
        for letter in records
    }
    for bad in year[1]["bad_records"]:
        letter = letters.get(bad["position"])
        assert letter is not None, f"{bad['kind']} at {bad['position']} is not in the DLQ"
        assert any(bad["reason_contains"] in reason for reason in letter["reasons"]), (
            bad["kind"], letter["reasons"],
        )  # fmt: skip
        assert letter["connector"].endswith(bad["mapping"])
    assert len(letters) == len(year[1]["bad_records"])


def test_counts_per_district_industry_and_month_match(
    replayed: tuple[str, dict[str, list[dict[str, Any]]]], year: tuple[Path, dict[str, Any]]
) -> None:
    _, topics = replayed
    truth = year[1]["by_district_industry_month"]
    registry = {e["uscc"]: e for e in topics["hub.enterprises"]}
    checked = 0
    for topic, records in topics.items():
        if topic.startswith("hub.") or "enterprise_id" not in records[0]:
            continue  # fund flows are per district and project, not per enterprise
        cells: Counter[str] = Counter()
        for event in records:
            enterprise = registry[event["enterprise_id"]]
            month = event["envelope"]["occurred_at"].astimezone(ZONE).strftime("%Y-%m")
            cells[f"{enterprise['district']}|{enterprise['industry']}|{month}"] += 1
        assert dict(cells) == truth[topic], topic
        checked += 1
    assert checked >= 18


def test_no_clear_resident_id_reaches_any_topic(
    replayed: tuple[str, dict[str, list[dict[str, Any]]]],
) -> None:
    _, topics = replayed
    for topic, records in topics.items():
        for record in records:
            text = json.dumps(record, ensure_ascii=False, default=str)
            assert not CLEAR_RESIDENT_ID.search(text), (topic, record["envelope"]["event_id"])


def test_a_second_replay_publishes_nothing(
    kafka_bootstrap: str,
    replayed: tuple[str, dict[str, list[dict[str, Any]]]],
    year: tuple[Path, dict[str, Any]],
) -> None:
    prefix, _ = replayed
    output = run_cli("replay", str(year[0]), "--topic-prefix", prefix, bootstrap=kafka_bootstrap)
    assert "every connector matches the ground truth" in output
    assert_matches_truth(published_topics(kafka_bootstrap, prefix, year[1]), year[1])


def _kill_when(command: list[str], env: dict[str, str], ready: Callable[[], bool]) -> None:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if ready():
                os.killpg(process.pid, signal.SIGKILL)
                return
            assert process.poll() is None, "the replay finished before the kill point"
            time.sleep(0.05)
        pytest.fail("the kill point was never reached")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_replay_killed_during_sql_polling_and_http_pushes_resumes_exactly(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    truth = generated_year(tmp_path / "year", scale=0.05, seed=23)
    prefix = unique("killed") + "."
    command = [sys.executable, "-m", "injuryhub", "replay", str(tmp_path / "year"),
               "--topic-prefix", prefix]  # fmt: skip
    env = {**os.environ, "INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap}
    checkpoints = KafkaCheckpoints(kafka_bootstrap, prefix + CHECKPOINT_TOPIC)

    def progress() -> dict[tuple[str, str], Checkpoint]:
        try:
            return checkpoints.all()
        except LookupError:  # the checkpoint topic exists only once the replay has made it
            return {}

    def polling_headcounts() -> bool:
        done = progress().get(("hrss.insured-headcount", "参保人数"))
        return done is not None and done.read >= 2_000

    def pushing() -> bool:
        return any(source.startswith(REQUEST_PREFIX) for _, source in progress())

    _kill_when(command, env, polling_headcounts)
    _kill_when(command, env, pushing)
    kinds: dict[str, int] = defaultdict(int)
    for (connector, source), _ in progress().items():
        kinds["request" if source.startswith(REQUEST_PREFIX) else connector] += 1
    assert "hrss.insured-headcount" in kinds and "request" in kinds
    output = run_cli(
        "replay", str(tmp_path / "year"), "--topic-prefix", prefix, bootstrap=kafka_bootstrap
    )
    assert "every connector matches the ground truth" in output
    assert_matches_truth(published_topics(kafka_bootstrap, prefix, truth), truth)
