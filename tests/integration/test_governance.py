"""Sharing governance on a cluster with logins and ACLs: an access request's grant becomes the
requester's Kafka ACLs, and its revocation takes them away (`injuryhub access ...`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from streams.clients import ReadRefused
from tests.secured import Secured, read_count, secured_cluster, send_probe

pytestmark = [pytest.mark.kafka, pytest.mark.security]

APPRAISALS = "dept.hrss.disability-appraisal.v1"  # conditional; no standing share with the union


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    with secured_cluster(tmp_path_factory.mktemp("governed")) as cluster:
        yield cluster


def _ok(secured: Secured, *args: str) -> str:
    done = secured.cli("hub-admin", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _union_reads(secured: Secured) -> int:
    return read_count(secured.bootstrap, secured.auth("dept-union"), APPRAISALS)


def test_a_read_is_refused_before_approval_allowed_after_and_refused_after_revocation(
    secured: Secured,
) -> None:
    send_probe(secured.bootstrap, secured.auth("dept-hrss"), APPRAISALS)
    with pytest.raises(ReadRefused, match=f"dept-union read {APPRAISALS}"):
        _union_reads(secured)

    asked = _ok(secured, "access", "request", "--department", "union", "--topic", APPRAISALS,
                "--purpose", "帮扶伤残职工 support for disabled workers", "--actor", "li.wei",
                "--field", "grade", "--until", "2099-12-31")  # fmt: skip
    found = re.search(r"request (R\d{8}-[0-9a-f]{6}): pending", asked)
    assert found, asked
    request_id = found[1]
    with pytest.raises(ReadRefused):  # asked is not granted
        _union_reads(secured)

    refused = secured.cli("hub-admin", "access", "approve", request_id, "--actor", "zhao",
                          "--department", "emergency")  # fmt: skip
    assert refused.returncode == 1 and "only hrss" in refused.stderr
    approved = _ok(secured, "access", "approve", request_id, "--actor", "wang.hrss",
                   "--department", "hrss")  # fmt: skip
    assert "dept-union: 2 ACL(s) added" in approved
    assert _union_reads(secured) == 1

    listed = json.loads(_ok(secured, "catalogue", "--format", "json"))
    appraisal = next(entry for entry in listed if entry["topic"] == APPRAISALS)
    assert {"department": "union", "basis": f"grant {request_id}",
            "until": "2099-12-31T16:00:00+00:00"} in appraisal["access"]  # fmt: skip

    # `security init` run again keeps the grant in force, and changes nothing else
    again = secured.cli(None, "security", "init")
    assert "0 ACL(s) created, 0 removed" in again.stdout, again.stdout + again.stderr
    assert _union_reads(secured) == 1

    revoked = _ok(secured, "access", "revoke", request_id, "--actor", "office.chen",
                  "--department", "office", "--reason", "帮扶结束 support ended")  # fmt: skip
    assert "dept-union: 0 ACL(s) added, 2 removed" in revoked
    with pytest.raises(ReadRefused):
        _union_reads(secured)
    listing = _ok(secured, "access", "list")
    assert request_id in listing and "revoked" in listing


def test_an_unconditional_item_is_readable_as_soon_as_it_is_asked_for(secured: Secured) -> None:
    inspections = "dept.housing.site-inspection.v1"
    send_probe(secured.bootstrap, secured.auth("dept-housing"), inspections)
    with pytest.raises(ReadRefused):
        read_count(secured.bootstrap, secured.auth("dept-transport"), inspections)
    asked = _ok(secured, "access", "request", "--department", "transport", "--topic",
                inspections, "--purpose", "联合检查", "--actor", "zhang")  # fmt: skip
    assert ": granted" in asked
    assert read_count(secured.bootstrap, secured.auth("dept-transport"), inspections) == 1


def test_a_not_shared_item_cannot_be_asked_for(secured: Secured) -> None:
    refused = secured.cli("hub-admin", "access", "request", "--department", "union",
                          "--topic", "dept.health.health-examination.v1", "--purpose", "x",
                          "--actor", "li")  # fmt: skip
    assert refused.returncode == 1
    assert "不予共享" in refused.stderr and "Traceback" not in refused.stderr
