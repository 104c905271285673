"""What every governance command works with: the governance log, the catalogue, the calendar,
and the states of requests and corrections folded from the log; appending steps makes the
ACLs follow the grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

import typer
from kafka.errors import KafkaError

from injuryhub.console import console, load_settings
from injuryhub.security_cli import administrator, secured_cluster
from injuryhub.wiring import connector_routes
from streams.access.apply import AccessError, reconcile
from streams.access.principals import access_plan, department_principal
from streams.contracts.registry import SchemaRegistry, load_registry
from streams.governance.calendar import CalendarError, WorkCalendar, load_calendar
from streams.governance.catalogue import CatalogueEntry, build_catalogue
from streams.governance.corrections import CorrectionState, fold_corrections
from streams.governance.deadlines import Deadlines
from streams.governance.ledger import Ledger, LedgerUnreadable, now_utc
from streams.governance.requests import (
    GovernanceStep,
    RequestRefused,
    RequestState,
    fold,
    grants_in_force,
    readers_of,
)
from streams.settings import HubSettings
from streams.topics.admin import admin_client
from streams.topics.catalogue import catalogue as topic_catalogue

#: the steps that change what a department may read
GRANT_CHANGES = frozenset({"GRANTED", "REVOKED", "EXPIRED"})
ERRORS = (RequestRefused, CalendarError, AccessError, KafkaError, LookupError, LedgerUnreadable)
Prefix = Annotated[str, typer.Option(help="Before every topic name, as the worker's.")]
Actor = Annotated[str, typer.Option(help="Who acts (a person's name), for the log.")]


@dataclass
class Desk:
    """What every command needs: the log, the catalogue, the calendar and the states."""

    settings: HubSettings
    ledger: Ledger
    entries: dict[str, CatalogueEntry]
    calendar: WorkCalendar
    deadlines: Deadlines
    states: dict[str, RequestState]
    corrections: dict[str, CorrectionState]
    prefix: str
    registry: SchemaRegistry

    def state(self, request_id: str) -> RequestState:
        if request_id not in self.states:
            raise RequestRefused(f"no request {request_id} in {self.ledger.topic}")
        return self.states[request_id]

    def flag(self, flag_id: str) -> CorrectionState:
        if flag_id not in self.corrections:
            raise RequestRefused(f"no correction flag {flag_id} in {self.ledger.topic}")
        return self.corrections[flag_id]

    def readers(self, topic: str) -> list[str]:
        """Who may read ``topic`` now: its owner, standing readers and grants in force."""
        return readers_of(self.entries[topic], self.states.values(), now_utc())

    def record(self, steps: list[GovernanceStep]) -> None:
        """Append ``steps`` and make the ACLs of each department they concern follow."""
        self.ledger.append(steps)
        logged = self.ledger.steps()
        self.states, self.corrections = fold(logged), fold_corrections(logged)
        changed = {step.requester for step in steps if step.step in GRANT_CHANGES}
        if changed:
            self.enforce(sorted(changed))

    def enforce(self, departments: Iterable[str], quiet: bool = False) -> None:
        """Make the departments' ACLs the plan's with the grants in force (on a cluster with
        logins; otherwise say so, unless ``quiet``)."""
        if not secured_cluster(self.settings):
            if not quiet:
                console.print("[yellow]this cluster has no logins or ACLs: the grant is "
                              "recorded, and is enforced by `injuryhub security init` on a "
                              "secured one[/yellow]")  # fmt: skip
            return
        grants = grants_in_force(self.states.values(), now_utc())
        plan = access_plan(topic_catalogue(), connector_routes(), self.settings.app_id,
                           self.prefix, grants)  # fmt: skip
        with admin_client(self.settings.bootstrap, auth=administrator(self.settings)) as admin:
            for department in departments:
                principal = department_principal(department)
                added, removed = reconcile(admin, principal, plan[principal])
                if added or removed or not quiet:
                    console.print(f"{principal}: {len(added)} ACL(s) added, {len(removed)} "
                                  "removed")  # fmt: skip


def open_desk(prefix: str) -> Desk:
    settings = load_settings()
    registry = load_registry(settings.schemas_path)
    ledger = Ledger(settings, registry, prefix)
    entries = {e.topic: e for e in build_catalogue(topic_catalogue(), registry)}
    calendar = load_calendar(settings.holidays_path)
    deadlines = Deadlines(**settings.sharing_deadlines)
    logged = ledger.steps()
    return Desk(settings, ledger, entries, calendar, deadlines, fold(logged),
                fold_corrections(logged), prefix, registry)  # fmt: skip
