"""The dashboard in a real browser (Debian's Chromium driven by Playwright) over a replayed year:
a real worker, the real `injuryhub dashboard` process syncing its thematic database, every view
drawn with data, an analyst acknowledging an alert (recorded by the worker, pushed back live),
a department refused what is not shared with it. Screenshots go to test-artefacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from agents.aggregation.reconcile import expected_monthly
from dashboards.auth import add_user
from injuryhub.worker_process import running_worker
from streams.contracts.wire import decode
from streams.topics.catalogue import catalogue
from tests.pipeline import REGISTRY, monthly_cells, read_topic, replayed_year, run_cli
from tests.support import free_port_runs

pytestmark = pytest.mark.kafka
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Chromium must not try the internet (the machines have none): STACK-NOTES.md
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"


@dataclass(frozen=True)
class Live:
    url: str
    prefix: str
    bootstrap: str
    secrets: dict[str, tuple[str, str]]  # user -> (password, token)


def _ready(url: str, token: str) -> bool:
    """The dashboard's database holds the year's aggregates and some alerts."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        alerts = httpx.get(f"{url}api/risk/alerts?period=2025", headers=headers, timeout=10)
        overview = httpx.get(f"{url}api/overview?period=2025", headers=headers, timeout=10)
    except httpx.TransportError:
        return False
    if alerts.status_code != 200 or overview.status_code != 200:
        return False
    injuries = overview.json()["figures"]["recognised_injuries"]["value"]
    return bool(alerts.json()) and bool(injuries)


@pytest.fixture(scope="module")
def live(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("dashboard")
    year = replayed_year(kafka_bootstrap, folder / "year", 12, 0.01, "dash")
    expected, prefix = expected_monthly(year.truth), year.prefix
    env = {"INJURYHUB_BOOTSTRAP_SERVERS": kafka_bootstrap, "INJURYHUB_STATE_DIR": str(folder)}
    users = folder / "users.yaml"
    secrets = {name: add_user(users, name, role, dept) for name, role, dept in (
        ("analyst", "analyst", None), ("union", "department", "union"),
        ("hrss", "department", "hrss"))}  # fmt: skip
    args = ["--topic-prefix", prefix,
            "--intake-source", prefix + "dept.emergency.accident-report.v1",
            "--intake-result", prefix + "hub.intake-counts"]  # fmt: skip
    worker_log = folder / "worker.log"
    with running_worker(args, worker_log, env) as worker:
        deadline = time.monotonic() + 600
        while monthly_cells(kafka_bootstrap, prefix + "hub.aggregates") != expected:
            assert worker.poll() is None, worker_log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker never reached the truth"
            time.sleep(2)
        (port,) = free_port_runs(1, runs=1)
        dashboard_log = folder / "dashboard.log"
        with dashboard_log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "injuryhub", "dashboard", "--port", str(port),
                 "--topic-prefix", prefix],
                env={**os.environ, **env, "INJURYHUB_DASHBOARD_USERS_FILE": str(users)},
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 120
            while not _ready(url, secrets["analyst"][1]):
                assert server.poll() is None, dashboard_log.read_text()[-3000:]
                assert time.monotonic() < deadline, dashboard_log.read_text()[-3000:]
                time.sleep(1)
            yield Live(url, prefix, kafka_bootstrap, secrets)
        finally:
            server.terminate()
            server.wait(timeout=30)
            assert "Traceback" not in dashboard_log.read_text(), dashboard_log.read_text()[-3000:]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _logged_in(browser: Browser, live: Live, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(live.url)
    page.fill("#login input[name=name]", name)
    page.fill("#login input[name=password]", live.secrets[name][0])
    page.click("#login button[type=submit]")
    page.wait_for_function("window.injuryhub.loaded.overview === true", timeout=60_000)
    return page


def _rendered(page: Page) -> dict[str, Any]:
    drawn: dict[str, Any] = page.evaluate("window.injuryhub.rendered")
    return drawn


def _shot(page: Page, name: str) -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_every_view_draws_its_charts_with_data(browser: Browser, live: Live) -> None:
    page = _logged_in(browser, live, "analyst")
    page.select_option("#f-period", "2025")
    page.wait_for_timeout(500)
    page.wait_for_function("window.injuryhub.loaded.overview === true")
    drawn = _rendered(page)
    assert drawn["chart-trend"] == 12
    assert drawn["chart-district"] > 1 and drawn["chart-industry"] > 1
    assert drawn["chart-training"] == 3
    assert page.inner_text("[data-figure=recognised_injuries] .value") not in ("", "—", "0")
    assert "千人工伤率" in page.inner_text("#figures")
    _shot(page, "overview")

    page.click("#tabs button[data-view=risk]")
    page.wait_for_function("window.injuryhub.loaded.risk === true", timeout=60_000)
    drawn = _rendered(page)
    assert drawn["alerts"] > 0 and drawn["chart-heatmap"] > 0 and drawn["chart-ranking"] > 0
    assert page.locator("#alerts tbody tr").count() == drawn["alerts"]
    _shot(page, "risk")

    page.click("#tabs button[data-view=evaluation]")
    page.wait_for_function("window.injuryhub.loaded.evaluation === true", timeout=120_000)
    drawn = _rendered(page)
    assert drawn["chart-did"] == 1 and drawn["chart-its"] > 40
    assert "95% 区间" in page.inner_text("#did-sentence")
    assert page.inner_text("#evaluation-error") == ""
    _shot(page, "evaluation")

    page.click("#language")
    page.wait_for_function("window.injuryhub.loaded.evaluation === true")
    assert page.inner_text("#tabs button[data-view=overview]") == "Situation overview"
    assert "95% interval" in page.inner_text("#did-sentence")
    page.close()


def test_an_analyst_acknowledges_an_alert_and_the_new_revision_arrives_live(
    browser: Browser, live: Live
) -> None:
    page = _logged_in(browser, live, "analyst")
    page.click("#tabs button[data-view=risk]")
    page.wait_for_function("window.injuryhub.loaded.risk === true", timeout=60_000)
    page.wait_for_function("document.querySelector('#live-status').textContent !== ''")
    row = page.locator("#alerts tbody tr").first
    alert_id = row.get_attribute("data-alert")
    assert alert_id
    row.locator("button[data-step=ACKNOWLEDGE]").click()
    page.wait_for_function(
        f"document.querySelector('#alerts tr[data-alert=\"{alert_id}\"]').dataset.sent"
    )

    # The worker applies the step and publishes a new revision; the dashboard pushes it.
    page.wait_for_function("window.injuryhub.liveAlerts > 0", timeout=90_000)
    status = page.locator(f'#alerts tr[data-alert="{alert_id}"] .status')
    status.wait_for()
    page.wait_for_function(
        f"document.querySelector('#alerts tr[data-alert=\"{alert_id}\"] .status').textContent"
        " === 'ACKNOWLEDGED'", timeout=90_000)  # fmt: skip
    revisions = [decode(REGISTRY, r.value)[1]
                 for r in read_topic(live.bootstrap, live.prefix + "hub.alerts")]  # fmt: skip
    newest = max((a for a in revisions if a["alert_id"] == alert_id), key=lambda a: a["revision"])
    assert newest["status"] == "ACKNOWLEDGED"
    assert newest["steps"][-1]["actor"] == "analyst"
    _shot(page, "acknowledged")
    page.close()


def test_a_department_is_refused_a_view_built_on_data_not_shared_with_it(
    browser: Browser, live: Live
) -> None:
    page = _logged_in(browser, live, "union")
    assert page.locator("#alerts tbody button").count() == 0  # 工会 does not act on alerts
    page.click("#tabs button[data-view=evaluation]")
    page.wait_for_function("document.querySelector('#evaluation-error').textContent !== ''")
    assert "health.injury-treatment" in page.inner_text("#evaluation-error")
    page.close()


def _governance(live: Live, *arguments: str) -> str:
    return run_cli(*arguments, "--topic-prefix", live.prefix, bootstrap=live.bootstrap,
                   env={"COLUMNS": "250"})  # fmt: skip


def _open_governance(browser: Browser, live: Live, name: str) -> Page:
    page = _logged_in(browser, live, name)
    page.click("#tabs button[data-view=governance]")
    page.wait_for_function("window.injuryhub.loaded.governance === true", timeout=60_000)
    assert page.inner_text("#governance-error") == ""
    return page


def test_the_governance_page_shows_each_department_its_own_matters(
    browser: Browser, live: Live
) -> None:
    appraisals, inspections = "dept.hrss.disability-appraisal.v1", "dept.housing.site-inspection.v1"
    accidents = "dept.emergency.accident-report.v1"
    _governance(live, "access", "request", "--department", "union", "--topic", appraisals,
                "--purpose", "support for disabled workers", "--actor", "li")  # fmt: skip
    _governance(live, "access", "request", "--department", "transport", "--topic", inspections,
                "--purpose", "joint inspections", "--actor", "zhang")  # fmt: skip
    first = read_topic(live.bootstrap, live.prefix + accidents)[0]
    accident = decode(REGISTRY, first.value)[1]["envelope"]["event_id"]
    _governance(live, "correction", "flag", "--department", "hrss", "--topic", accidents,
                "--event-id", accident, "--reason", "deaths wrong", "--actor", "wang")  # fmt: skip

    office = _open_governance(browser, live, "analyst")
    drawn = _rendered(office)
    assert (drawn["gov-requests"], drawn["gov-grants"], drawn["gov-corrections"]) == (2, 1, 1)
    assert drawn["gov-catalogue"] == len(catalogue())
    requests = office.inner_text("#gov-requests")
    assert "待办" in requests and "已授权" in requests and "剩余 5 个工作日" in requests
    assert "有条件共享" in office.inner_text("#gov-catalogue")
    assert "transport (grant R" in office.inner_text("#gov-catalogue")
    _shot(office, "governance")
    office.close()

    union = _open_governance(browser, live, "union")
    drawn = _rendered(union)
    # its own request only; the grant and the flag are other departments' matters
    assert (drawn["gov-requests"], drawn["gov-grants"], drawn["gov-corrections"]) == (1, 0, 0)
    assert appraisals in union.inner_text("#gov-requests")
    assert drawn["gov-catalogue"] == len(catalogue())
    union.close()


def test_a_department_asks_on_the_page_and_the_owner_approves_there(
    browser: Browser, live: Live
) -> None:
    topic = "dept.hrss.benefit-payment.v1"  # conditional, not yet asked for in this module
    union = _open_governance(browser, live, "union")
    union.select_option("#gov-ask-topic", topic)
    union.fill("#gov-ask-purpose", "support for injured workers' families")
    before = _rendered(union)["gov-requests"]
    union.click("#gov-ask button[type=submit]")
    union.wait_for_function(f"window.injuryhub.rendered['gov-requests'] === {before + 1}")
    assert union.inner_text("#governance-error") == ""
    row = union.locator("#gov-requests tbody tr", has_text=topic)
    assert "待办" in row.inner_text() and row.locator("button").count() == 0  # not its to answer
    union.close()

    hrss = _open_governance(browser, live, "hrss")
    row = hrss.locator("#gov-requests tbody tr", has_text=topic)
    row.locator("button[data-act=approve]").click()
    hrss.wait_for_function(
        "[...document.querySelectorAll('#gov-requests tbody tr')].some((r) => "
        f"r.textContent.includes('{topic}') && r.textContent.includes('已授权'))"
    )
    assert "union (grant R" in hrss.locator("#gov-catalogue tbody tr", has_text=topic).inner_text()
    hrss.once("dialog", lambda dialog: dialog.accept("帮扶结束 support ended"))
    hrss.locator("#gov-requests tbody tr", has_text=topic).locator(
        "button[data-act=revoke]").click()  # fmt: skip
    hrss.wait_for_function(
        "[...document.querySelectorAll('#gov-requests tbody tr')].some((r) => "
        f"r.textContent.includes('{topic}') && r.textContent.includes('已撤销'))"
    )
    _shot(hrss, "governance-owner")
    hrss.close()
