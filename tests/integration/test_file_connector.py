"""A department's GBK CSV through a connector into the real broker: good rows on the topic, bad
rows in the dead-letter topic with their reasons, counts that reconcile, and a re-run that
resumes instead of re-sending."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.checkpoints import KafkaCheckpoints
from connectors.mapping import load_mapping
from connectors.pipeline import Connector
from connectors.pseudonym import Pseudonymiser
from connectors.sources.files import CsvSource
from streams.clients import make_producer, read_to_end
from streams.contracts.codes import load_code_lists
from streams.contracts.registry import load_registry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import decode
from streams.settings import HubSettings
from tests.support import REPO_ROOT, connector_topics

pytestmark = pytest.mark.kafka
SETTINGS = HubSettings()
CODES = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)
REGISTRY = load_registry(SETTINGS.schemas_path)

HEADER = (
    "事故编号,事故发生时间,报告时间,统一社会信用代码,行政区划代码,行业代码,事故类别,"
    "死亡人数,重伤人数,轻伤人数,受害人数,直接经济损失(万元),事故等级,事故简况"
)
TIMES = "2025-03-{d:02d} 09:30,2025-03-{d:02d} 11:00"
WHO = "91350100M000100Y43,370211,C3311"
GOOD = f"SG-{{n}},{TIMES},{WHO},高处坠落,0,1,0,1,12.5,一般事故,脚手架坠落"
BAD_USCC = "91350100M000100Y44,370211,C3311"
BAD = [
    f"SG-90,{TIMES.format(d=1)},{BAD_USCC},高处坠落,0,1,0,1,1,一般事故,校验码错",
    f"SG-91,{TIMES.format(d=1)},{WHO},摔倒,0,1,0,1,1,一般事故,类别错",
    f"SG-92,{TIMES.format(d=1)},91350100M000100Y43",
]
USCC_REASON = (
    "enterprise_id='91350100M000100Y44': USCC check character is '4', GB 32100 gives '3' [uscc]"
)
SHORT_REASON = "应急事故.csv:9 has 4 columns, the header has 14 (a truncated or shifted line?)"


def _connector(bootstrap: str, topic: str, dlq: str, checkpoints: str) -> Connector:
    mapping = load_mapping(REPO_ROOT / "connectors/mappings/emergency.accident-report.yaml", CODES)
    return Connector(
        "emergency-accidents",
        mapping,
        REGISTRY,
        EventValidator(CODES),
        Pseudonymiser(SecretStr("integration-test-key-0123")),
        make_producer(bootstrap, "connector-test", transactional_id=f"test-{topic}"),
        KafkaCheckpoints(bootstrap, checkpoints),
        topic=topic,
        dead_letter_topic=dlq,
    )


def test_csv_connector_publishes_rejects_reconciles_and_resumes(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = connector_topics(kafka_bootstrap, "emergency")
    csv_path = tmp_path / "应急事故.csv"
    rows = [GOOD.format(n=n, d=n) for n in range(1, 6)] + BAD
    csv_path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gbk"))

    connector = _connector(kafka_bootstrap, topics["events"], topics["dlq"], topics["checkpoints"])
    report = connector.run(CsvSource(csv_path))
    totals = report.totals
    assert (totals.read, totals.published, totals.rejected) == (8, 5, 3) and report.reconciles

    published = asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))
    events = [decode(REGISTRY, m.value or b"")[1] for m in published]
    assert sorted(e["accident_id"] for e in events) == [f"SG-{n}" for n in range(1, 6)]
    assert all(e["envelope"]["source_position"].startswith("应急事故.csv:") for e in events)

    letters = [
        decode(REGISTRY, m.value or b"")[1]
        for m in asyncio.run(read_to_end(kafka_bootstrap, topics["dlq"]))
    ]
    by_position = {letter["position"]: letter["reasons"] for letter in letters}
    assert by_position == {
        "应急事故.csv:7": [USCC_REASON],
        "应急事故.csv:8": [by_position["应急事故.csv:8"][0]],
        "应急事故.csv:9": [SHORT_REASON],
    }
    assert by_position["应急事故.csv:8"][0].startswith("事故类别='摔倒': is not one of")
    assert all(letter["connector"] == "emergency-accidents" for letter in letters)

    # Nothing new: nothing sent. Two rows appended: exactly those two.
    assert connector.run(CsvSource(csv_path)).this_run_read == 0
    with csv_path.open("ab") as handle:
        handle.write(("\n".join(GOOD.format(n=n, d=n) for n in (6, 7)) + "\n").encode("gbk"))
    again = connector.run(CsvSource(csv_path))
    assert again.this_run_read == 2
    assert (again.totals.read, again.totals.published, again.totals.rejected) == (10, 7, 3)
    assert len(asyncio.run(read_to_end(kafka_bootstrap, topics["events"]))) == 7
    connector.producer.close()
