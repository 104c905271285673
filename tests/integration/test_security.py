"""A cluster with SASL/SCRAM logins and ACLs (`injuryhub broker start --security sasl`,
`injuryhub security init`): each department writes only its own topics and reads only what is
shared with it; the hub's own principals are enough to run the whole pipeline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAuthorizationFailedError
from pydantic import SecretStr

from agents.aggregation.reconcile import expected_monthly
from injuryhub.worker_process import running_worker
from streams.broker.cluster import LocalCluster
from streams.clients import ReadRefused
from streams.kafka_auth import KafkaAuth
from tests.pipeline import monthly_cells, replayed_year
from tests.secured import Secured, read_count, secured_cluster, send_probe
from tests.support import REPO_ROOT, local_settings

pytestmark = [pytest.mark.kafka, pytest.mark.security]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    with secured_cluster(tmp_path_factory.mktemp("secured")) as cluster:
        yield cluster


def test_init_is_idempotent_and_no_password_is_printed(secured: Secured) -> None:
    again = secured.cli(None, "security", "init")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 ACL(s) created, 0 removed" in again.stdout
    password = secured.auth("dept-health").password
    assert password is not None and password.get_secret_value() not in again.stdout + again.stderr
    for login in secured.logins.iterdir():
        assert login.stat().st_mode & 0o077 == 0, f"{login} is readable by others"


def test_a_department_writes_its_own_topics_only(secured: Secured) -> None:
    housing = secured.auth("dept-housing")
    send_probe(secured.bootstrap, housing, "dept.housing.site-inspection.v1")
    send_probe(secured.bootstrap, housing, "hub.dlq.housing")
    for foreign in ("dept.hrss.injury-recognition.v1", "dept.emergency.accident-report.v1",
                    "hub.alerts", "hub.dlq.health"):  # fmt: skip
        with pytest.raises(TopicAuthorizationFailedError):
            send_probe(secured.bootstrap, housing, foreign)


def test_a_department_reads_only_what_is_shared_with_it(secured: Secured) -> None:
    housing, union = secured.auth("dept-housing"), secured.auth("dept-union")
    # Shared: the emergency department's accident reports reach housing and the union...
    send_probe(
        secured.bootstrap, secured.auth("dept-emergency"), "dept.emergency.accident-report.v1"
    )
    assert read_count(secured.bootstrap, housing, "dept.emergency.accident-report.v1") >= 1
    assert read_count(secured.bootstrap, union, "dept.emergency.accident-report.v1") >= 1
    assert read_count(secured.bootstrap, housing, "hub.alerts") == 0  # the hub's alerts: everyone
    # ...hospital treatment records (health) and benefit payments (hrss) reach neither.
    for unshared in ("dept.health.injury-treatment.v1", "dept.hrss.benefit-payment.v1"):
        with pytest.raises(ReadRefused, match=f"dept-housing read {unshared}"):
            read_count(secured.bootstrap, housing, unshared)
    with pytest.raises(ReadRefused):
        read_count(secured.bootstrap, union, "dept.housing.site-inspection.v1")


def test_wrong_or_missing_login_is_refused(secured: Secured) -> None:
    genuine = secured.auth("dept-housing")
    wrong = KafkaAuth("SASL_PLAINTEXT", "SCRAM-SHA-512", "dept-housing", SecretStr("guess"))
    for auth in (wrong, KafkaAuth()):  # a bad password; no login at all
        began = time.monotonic()
        with pytest.raises((KafkaTimeoutError, KafkaError)):
            send_probe(secured.bootstrap, auth, "dept.housing.site-inspection.v1")
        assert time.monotonic() - began < 30
    assert "guess" not in repr(wrong) and str(genuine.password) == "**********"


def test_the_hub_runs_on_its_own_principals(secured: Secured, tmp_path: Path) -> None:
    """The operator replays a year (administrator), the worker aggregates it as hub-worker to
    the exact truth, and the dashboard's principal syncs the thematic database."""
    year = replayed_year(secured.bootstrap, tmp_path / "year", 11, 0.01, "secured",
                         env=secured.login("hub-admin"), prefixed=False)  # fmt: skip
    expected = expected_monthly(year.truth)
    worker_env = secured.login("hub-worker") | {"INJURYHUB_STATE_DIR": str(tmp_path)}
    log = tmp_path / "worker.log"
    admin = secured.auth("hub-admin")
    with running_worker([], log, worker_env) as worker:
        deadline = time.monotonic() + 240
        while monthly_cells(secured.bootstrap, "hub.aggregates", admin) != expected:
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(3)
    assert "AuthorizationFailed" not in log.read_text()
    synced = secured.cli("hub-dashboard", "thematic", "sync", "--db", str(tmp_path / "t.duckdb"))
    assert synced.returncode == 0, synced.stdout + synced.stderr


UNTRUSTING_CLIENT = """
import sys
from kafka.errors import KafkaError, KafkaTimeoutError
from streams.clients import make_producer
from streams.kafka_auth import KafkaAuth
from pydantic import SecretStr
auth = KafkaAuth("SASL_SSL", "SCRAM-SHA-512", "dept-housing", SecretStr(sys.argv[2]))
try:
    with make_producer(sys.argv[1], "untrusting", auth=auth, bootstrap_timeout_ms=5000,
                       max_block_ms=5000) as producer:
        producer.send("dept.housing.site-inspection.v1", b"x").get(timeout=10)
except (KafkaTimeoutError, KafkaError) as error:
    print(type(error).__name__)
    sys.exit(3)
"""


def test_tls_clients_verify_the_brokers_certificate(tmp_path: Path) -> None:
    """`--security sasl_ssl`: the same logins over TLS with the cluster's own CA; a client that
    does not trust that CA cannot connect."""
    settings = local_settings(tmp_path / "state", broker_security="sasl_ssl", broker_heap="384m")
    cluster = LocalCluster(settings)
    cluster.start()
    try:
        tls = Secured(settings.bootstrap, {
            "INJURYHUB_STATE_DIR": str(settings.state_dir),
            "INJURYHUB_CACHE_DIR": str(REPO_ROOT / ".cache"),
            "INJURYHUB_BROKER_PORT": str(settings.broker_port),
            "INJURYHUB_CONTROLLER_PORT": str(settings.controller_port),
        }, settings.state_dir / "security")  # fmt: skip
        made = tls.cli(None, "security", "init")
        assert made.returncode == 0, made.stdout + made.stderr
        assert tls.login("dept-housing")["INJURYHUB_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        topics = tls.cli("hub-admin", "topics", "create")
        assert topics.returncode == 0, topics.stdout + topics.stderr
        housing = tls.auth("dept-housing")
        assert housing.ca_file is not None and housing.uses_tls
        send_probe(settings.bootstrap, housing, "dept.housing.site-inspection.v1")
        assert read_count(settings.bootstrap, housing, "dept.housing.site-inspection.v1") == 1
        with pytest.raises(TopicAuthorizationFailedError):
            send_probe(settings.bootstrap, housing, "dept.hrss.injury-recognition.v1")
        # The system's CAs only; in a process of its own, as kafka-python leaves the socket of a
        # refused handshake unclosed (a ResourceWarning in whichever test ran next).
        assert housing.password is not None
        untrusting = subprocess.run(
            [sys.executable, "-c", UNTRUSTING_CLIENT, settings.bootstrap,
             housing.password.get_secret_value()],
            capture_output=True, text=True, timeout=120, check=False, cwd=REPO_ROOT,
        )  # fmt: skip
        assert untrusting.returncode == 3, untrusting.stdout + untrusting.stderr
    finally:
        cluster.stop()
