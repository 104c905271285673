"""Replaying a generated year: every department's connector over its native files, the SQL seed
polled from a database, and the health commission's requests pushed to a real HTTP endpoint on
loopback. Sequential, in manifest order, each connector resuming from its checkpoint."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr

from connectors.checkpoints import Checkpoint
from connectors.http_push import create_push_app
from connectors.pipeline import Connector
from connectors.synthetic.dataset import (
    SQLITE_FILE,
    Entry,
    http_requests,
    load_seed_postgres,
    load_seed_sqlite,
    read_manifest,
    source_for,
)
from injuryhub.wiring import Contracts, build_connector, load_contracts
from streams.settings import HubSettings
from streams.topics.admin import ensure_topics
from streams.topics.catalogue import catalogue


@dataclass
class Outcome:
    """One connector's part of a replay."""

    mapping: str
    kind: str  # csv | xlsx | sql | http
    read: int = 0  # this replay
    published: int = 0
    rejected: int = 0
    earlier: int = 0  # records a previous replay had already done
    seconds: float = 0.0
    began: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Records per second so far."""
        elapsed = self.seconds or time.monotonic() - self.began
        return self.read / elapsed if elapsed else 0.0

    @property
    def reconciles(self) -> bool:
        return self.read == self.published + self.rejected


Progress = Callable[[Outcome], None]


class ReplayError(RuntimeError):
    """The replay's own push endpoint failed; the message says how."""


@dataclass(frozen=True)
class Replay:
    settings: HubSettings
    folder: Path
    postgres: str | None = None
    #: prefixed to every topic the replay writes: a sandbox beside the real catalogue
    topic_prefix: str = ""

    def run(self, on_progress: Progress) -> list[Outcome]:
        entries = read_manifest(self.folder)
        self._prepare(entries)
        contracts = load_contracts(self.settings)
        outcomes = []
        pushed = [entry for entry in entries if entry.kind == "http"]
        for entry in entries:
            if entry.kind != "http":
                outcomes.append(self._read(entry, contracts, on_progress))
        if pushed:
            outcomes += self._push(pushed, contracts, on_progress)
        return outcomes

    def _prepare(self, entries: list[Entry]) -> None:
        ensure_topics(
            self.settings.bootstrap,
            catalogue(),
            self.settings.replication_factor,
            prefix=self.topic_prefix,
            auth=self.settings.kafka_auth,
        )
        seeds = {entry.path for entry in entries if entry.kind == "sql"}
        for seed in seeds:
            tables = [entry.table for entry in entries if entry.path == seed]
            if self.postgres is not None:
                load_seed_postgres(self.folder / seed, self.postgres, tables)
            else:
                load_seed_sqlite(self.folder / seed, self.folder / SQLITE_FILE)

    def _connector(self, contracts: Contracts, mapping: str, name: str) -> Connector:
        return build_connector(
            self.settings, contracts, mapping, name, topic_prefix=self.topic_prefix
        )

    def _read(self, entry: Entry, contracts: Contracts, on_progress: Progress) -> Outcome:
        connector = self._connector(contracts, entry.mapping, entry.mapping)
        source = source_for(entry, self.folder, self.postgres)
        outcome = Outcome(entry.mapping, entry.kind)
        try:
            before = connector.checkpoints.load(connector.name, source.name)
            outcome.earlier = before.read

            def progress(totals: Checkpoint) -> None:
                outcome.read = totals.read - before.read
                outcome.published = totals.published - before.published
                outcome.rejected = totals.rejected - before.rejected
                if outcome.read % 250 == 0:
                    on_progress(outcome)

            report = connector.run(source, on_record=progress)
        finally:
            connector.producer.close()
        progress(report.totals)
        outcome.seconds = report.seconds
        on_progress(outcome)
        return outcome

    def _push(
        self, entries: list[Entry], contracts: Contracts, on_progress: Progress
    ) -> list[Outcome]:
        # The departments' own tokens if configured, else one-off ones: the endpoint is ours, on
        # loopback, for this replay only.
        tokens = {
            entry.department: self.settings.push_tokens.get(entry.department)
            or SecretStr(secrets.token_urlsafe(24))
            for entry in entries
        }
        connectors = {
            entry.mapping: self._connector(contracts, entry.mapping, f"push-{entry.mapping}")
            for entry in entries
        }
        outcomes = {entry.mapping: Outcome(entry.mapping, "http") for entry in entries}
        try:
            app = create_push_app(connectors, tokens)
            with _serving(app) as url, httpx.Client(base_url=url, timeout=120) as client:
                for path in dict.fromkeys(entry.path for entry in entries):
                    for _, request in http_requests(self.folder, path):
                        outcome = outcomes[request["mapping"]]
                        token = tokens[request["mapping"].split(".", 1)[0]]
                        headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
                        began = time.monotonic()
                        body = {"request_id": request["request_id"], "records": request["records"]}
                        response = client.post(
                            f"/v1/{request['mapping']}", json=body, headers=headers
                        )
                        _tally(outcome, response, len(request["records"]))
                        outcome.seconds += time.monotonic() - began
                        on_progress(outcome)
        finally:
            for connector in connectors.values():
                connector.producer.close()
        return list(outcomes.values())


def _tally(outcome: Outcome, response: httpx.Response, sent: int) -> None:
    if response.status_code not in (200, 422):
        raise ReplayError(
            f"the push endpoint answered {response.status_code}: {response.text[:300]}"
        )
    answer = response.json()
    if answer.get("already_processed"):
        outcome.earlier += sent
        return
    outcome.read += sent
    outcome.published += len(answer["accepted"])
    outcome.rejected += len(answer["rejected"])


@contextmanager
def _serving(app: object) -> Iterator[str]:
    """The app on a free loopback port, served by uvicorn in a thread, for the block's length."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, name="replay-push", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ReplayError("the replay's push endpoint did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
