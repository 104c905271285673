"""The data catalogue: generated from the topic catalogue and the contracts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from streams.contracts.registry import load_registry
from streams.governance.catalogue import (
    Access,
    CatalogueEntry,
    TopicAccess,
    build_catalogue,
    to_csv,
    to_json,
)
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue

REGISTRY = load_registry(HubSettings().schemas_path)


def _entry(topic: str, granted: tuple[TopicAccess, ...] = ()) -> CatalogueEntry:
    entries = build_catalogue(catalogue(), REGISTRY, granted)
    return next(e for e in entries if e.topic == topic)


def test_every_topic_is_listed_with_its_class_and_every_event_type_with_its_fields() -> None:
    entries = build_catalogue(catalogue(), REGISTRY)
    assert [e.topic for e in entries] == [spec.name for spec in catalogue()]
    for entry in entries:
        assert entry.sharing in ("unconditional", "conditional", "not_shared")
        if entry.event_type:
            assert entry.fields, entry.topic
            assert "envelope" not in [f.name for f in entry.fields]


def test_personal_fields_are_marked_and_such_records_are_not_unconditional() -> None:
    recognition = _entry("dept.hrss.injury-recognition.v1")
    assert recognition.personal_fields == ("person_pseudonym", "gender", "age_band")
    assert recognition.sharing == "conditional"
    assert "application_no" not in recognition.personal_fields
    for entry in build_catalogue(catalogue(), REGISTRY):
        if entry.owner != "hub" and entry.personal_fields:
            assert entry.sharing != "unconditional", entry.topic


def test_not_shared_department_topics_have_no_standing_readers() -> None:
    examination = _entry("dept.health.health-examination.v1")
    assert examination.sharing == "not_shared"
    assert examination.access == (Access("health", "owner"),)


def test_standing_shares_and_grants_are_who_has_access() -> None:
    until = datetime(2027, 3, 31, 16, tzinfo=UTC)
    grant = TopicAccess("dept.hrss.disability-appraisal.v1", Access("union", "grant R1", until))
    appraisal = _entry("dept.hrss.disability-appraisal.v1", (grant,))
    assert appraisal.access == (Access("hrss", "owner"), Access("union", "grant R1", until))
    headcount = _entry("dept.hrss.insured-headcount.v1")
    assert [a.department for a in headcount.access].count("hrss") == 1  # the owner, once


def test_json_and_csv_exports_carry_the_same_catalogue() -> None:
    until = datetime(2027, 3, 31, 16, tzinfo=UTC)
    grant = TopicAccess("dept.hrss.benefit-payment.v1", Access("finance", "grant R7", until))
    entries = build_catalogue(catalogue(), REGISTRY, (grant,))
    exported = json.loads(json.dumps(to_json(entries), ensure_ascii=False))
    payment = next(e for e in exported if e["topic"] == "dept.hrss.benefit-payment.v1")
    assert payment["sharing_label"] == "有条件共享 conditional"
    assert payment["access"][-1] == {"department": "finance", "basis": "grant R7",
                                     "until": "2027-03-31T16:00:00+00:00"}  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(to_csv(entries))))
    assert [r["topic"] for r in rows] == [e["topic"] for e in exported]
    row = next(r for r in rows if r["topic"] == "dept.hrss.benefit-payment.v1")
    assert row["personal_fields"] == "person_pseudonym;gender;age_band"
    assert row["readers"] == "hrss (owner);finance (grant R7)"
