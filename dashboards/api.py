"""The dashboard's JSON API: one endpoint per chart's data, behind a login (session cookie) or
an API token; what a user may see and do follows dashboards/auth.py."""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations, and
# they name dependencies defined inside api_router.
import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse

from dashboards.audit import Audit
from dashboards.auth import User, Users
from dashboards.governance import (
    GovernanceSource,
    NotYours,
    answer_flag,
    answer_request,
    ask,
    end_grant,
    flag_event,
    governance_page,
)
from dashboards.model_units import Criteria, model_unit_candidates
from dashboards.overview import Filters, key_industry_prefixes, overview
from dashboards.periods import Period, PeriodError
from dashboards.risk import alerts, heat_map, ranking
from streams.contracts.codes import CodeLists
from streams.governance.calendar import CalendarError
from streams.governance.ledger import LedgerUnreadable
from streams.governance.requests import GovernanceStep, RequestRefused

#: the department data each view is built on (beyond the hub's own, shared with everyone)
EVALUATION_SOURCES = ("health.injury-treatment", "hrss.insured-headcount",
                      "hrss.training-completion", "finance.fund-disbursement")  # fmt: skip
MODEL_UNIT_SOURCES = ("emergency.accident-report", "housing.construction-accident",
                      "transport.accident", "hrss.training-completion",
                      "emergency.hazard-inspection", "health.od-diagnosis",
                      "union.model-unit-nomination")  # fmt: skip
STEPS = ("ACKNOWLEDGE", "ASSIGN", "VERIFY", "RECTIFY", "CLOSE")
LIVE_POLL_S = 2.0


@dataclass(frozen=True)
class Backing:
    """What the API reads and writes through."""

    connect: Callable[[], duckdb.DuckDBPyConnection] | None  # a cursor on the thematic database
    users: Users
    codes: CodeLists
    training_targets: dict[str, int]
    publish_action: Callable[[str, str, str, str | None, str], str]  # id, step, actor, expert, note
    audit: Audit  # every request answered (dashboards/audit.py)
    #: the subscriptions file's text, and saving a new one (ValueError: why it is refused)
    read_subscriptions: Callable[[], str] = lambda: '{"subscriptions": []}'
    save_subscriptions: Callable[[str], None] | None = None
    #: the governance log and what the catalogue is built from (None: no governance page)
    governance: GovernanceSource | None = None


class Login(BaseModel):
    name: str
    password: str


class SubscriptionsText(BaseModel):
    text: str


class AccessAsk(BaseModel):
    topic: str
    purpose: str
    fields: list[str] = []
    until: datetime | None = None  # aware; the grant ends then


class Answer(BaseModel):
    approve: bool
    reason: str = ""


class Revocation(BaseModel):
    reason: str


class Flag(BaseModel):
    topic: str
    event_id: str
    reason: str


class Action(BaseModel):
    step: str
    expert_id: str | None = None
    note: str = ""


def api_router(backing: Backing) -> APIRouter:
    router = APIRouter(prefix="/api")

    def current_user(request: Request) -> User:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            request.state.credential = "TOKEN"
            user = backing.users.by_token(authorization[7:].strip())
            if user is None:
                raise HTTPException(401, "API token not recognised / 令牌无效")
        else:
            request.state.credential = "SESSION" if request.session.get("user") else "NONE"
            name = request.session.get("user")
            user = backing.users.by_name.get(name) if name else None
            if user is None:
                raise HTTPException(401, "please log in / 请先登录")
        request.state.user = user  # for the audit entry
        return user

    LoggedIn = Annotated[User, Depends(current_user)]

    def database() -> duckdb.DuckDBPyConnection:
        if backing.connect is None:
            raise HTTPException(503, "no thematic database / 专题库不可用")
        return backing.connect()

    Database = Annotated[duckdb.DuckDBPyConnection, Depends(database)]

    def filters(period: str, district: str | None = None, industry: str | None = None) -> Filters:
        """``industry``: one of the key industries' codes (MINING, CONSTRUCTION, …)."""
        try:
            prefixes = key_industry_prefixes(backing.codes, industry) if industry else ()
            return Filters(Period.parse(period), district or None, prefixes)
        except (PeriodError, LookupError) as error:
            raise HTTPException(422, str(error.args[0])) from None

    Filtered = Annotated[Filters, Depends(filters)]

    def shared_with(user: User, sources: tuple[str, ...]) -> None:
        unshared = user.unshared(sources)
        if unshared:
            raise HTTPException(403, f"not shared with {user.department}: {', '.join(unshared)} "
                                     "/ 未向本部门共享")  # fmt: skip

    @router.post("/login")
    def login(body: Login, request: Request) -> dict[str, Any]:
        request.state.login_name = body.name
        user = backing.users.login(body.name, body.password)
        if user is None:
            raise HTTPException(401, "wrong name or password / 用户名或密码错误")
        request.session["user"] = user.name
        request.state.user = user
        return user.public()

    @router.post("/logout")
    def logout(request: Request) -> dict[str, str]:
        name = request.session.get("user")
        request.state.user = backing.users.by_name.get(name) if name else None
        request.session.clear()
        return {"status": "logged out"}

    @router.get("/me")
    def me(user: LoggedIn) -> dict[str, Any]:
        return user.public()

    @router.get("/filters")
    def choices(user: LoggedIn, connection: Database) -> dict[str, Any]:
        counted = connection.execute(
            "SELECT substr(kafka_key, 6, 4), count(*) FROM hub.hub_aggregate "
            "WHERE kafka_key LIKE 'YEAR|%' GROUP BY 1 ORDER BY 1").fetchall()  # fmt: skip
        years = [year for year, _ in counted]
        # the year the hub knows most of (a stray late record can open a nearly empty one)
        fullest = max(counted, key=lambda row: row[1])[0] if counted else None
        return {
            "years": years,
            "default_period": fullest,
            "districts": [
                {"code": c.code, "zh": c.zh, "en": c.en}
                for c in backing.codes.districts.codes.values()
            ],
            "industries": [
                {"code": k.code, "zh": k.zh, "en": k.en, "divisions": sorted(k.divisions)}
                for k in backing.codes.industries.key_industries
            ],
        }

    @router.get("/overview")
    def situation(user: LoggedIn, connection: Database, chosen: Filtered) -> dict[str, Any]:
        return overview(connection, chosen, backing.codes, backing.training_targets)

    @router.get("/risk/alerts")
    def risk_alerts(user: LoggedIn, connection: Database, chosen: Filtered,
                    closed: bool = False) -> list[dict[str, Any]]:  # fmt: skip
        return alerts(connection, chosen, include_closed=closed)

    @router.get("/risk/ranking")
    def risk_ranking(
        user: LoggedIn, connection: Database, chosen: Filtered
    ) -> list[dict[str, Any]]:
        return ranking(connection, chosen)

    @router.get("/risk/heatmap")
    def risk_heat(user: LoggedIn, connection: Database, chosen: Filtered) -> dict[str, Any]:
        return heat_map(connection, chosen, backing.codes)

    @router.get("/evaluation")
    def evaluation(user: LoggedIn, connection: Database,
                   policy_date: date | None = None) -> dict[str, Any]:  # fmt: skip
        shared_with(user, EVALUATION_SOURCES)
        # Here, not at the top: statsmodels takes ~2 s to import, and every `injuryhub`
        # command (the worker's restarts too) would pay for it.
        from dashboards.evaluation.results import evaluate

        return evaluate(connection, policy_date)

    @router.get("/model-units")
    def model_units(user: LoggedIn, connection: Database, year: int) -> list[dict[str, Any]]:
        shared_with(user, MODEL_UNIT_SOURCES)
        return [vars(c) for c in model_unit_candidates(connection, year, Criteria())]

    @router.post("/alerts/{alert_id:path}/actions")
    def act(alert_id: str, body: Action, user: LoggedIn) -> dict[str, str]:
        if not user.acts_on_alerts:
            raise HTTPException(403, "only analysts and admins act on alerts / 无处置权限")
        if body.step not in STEPS:
            raise HTTPException(422, f"step {body.step!r}: one of {', '.join(STEPS)}")
        event_id = backing.publish_action(alert_id, body.step, user.name, body.expert_id,
                                          body.note)  # fmt: skip
        return {"event_id": event_id, "status": "sent"}

    def admin(user: User) -> None:
        if not user.manages_subscriptions:
            raise HTTPException(403, "only admins manage subscriptions / 仅管理员可管理订阅")

    @router.get("/subscriptions")
    def subscriptions(user: LoggedIn) -> dict[str, str]:
        admin(user)
        return {"text": backing.read_subscriptions()}

    @router.put("/subscriptions")
    def save(body: SubscriptionsText, user: LoggedIn) -> dict[str, str]:
        admin(user)
        if backing.save_subscriptions is None:
            raise HTTPException(409, "INJURYHUB_SUBSCRIPTIONS_FILE is not set: nowhere to save")
        try:
            backing.save_subscriptions(body.text)
        except ValueError as refused:
            raise HTTPException(422, str(refused)) from None
        return {
            "status": "saved: the worker applies it when it restarts / 已保存，worker 重启后生效"
        }

    def governance_source() -> GovernanceSource:
        if backing.governance is None:
            raise HTTPException(503, "no governance log / 共享治理日志不可用")
        return backing.governance

    Governance = Annotated[GovernanceSource, Depends(governance_source)]

    def governed(step: Callable[[], list[GovernanceStep]]) -> dict[str, Any]:
        """A governance step's outcome, or why it is refused."""
        try:
            steps = step()
        except NotYours as refused:
            raise HTTPException(403, str(refused)) from None
        except LookupError as missing:
            raise HTTPException(404, str(missing.args[0])) from None
        except (RequestRefused, CalendarError) as refused:
            raise HTTPException(422, str(refused)) from None
        except LedgerUnreadable as unreadable:
            raise HTTPException(503, f"{unreadable} / 共享治理日志不可读") from None
        return {"id": steps[0].subject_id, "steps": [s.step for s in steps]}

    @router.get("/governance")
    def governance(user: LoggedIn, source: Governance) -> dict[str, Any]:
        try:
            return governance_page(user, source, datetime.now(UTC))
        except LedgerUnreadable as unreadable:
            raise HTTPException(503, f"{unreadable} / 共享治理日志不可读") from None

    @router.post("/governance/requests")
    def ask_access(body: AccessAsk, user: LoggedIn, source: Governance) -> dict[str, Any]:
        return governed(lambda: ask(user, source, body.topic, body.purpose, body.fields,
                                    body.until, datetime.now(UTC)))  # fmt: skip

    @router.post("/governance/requests/{request_id}/answer")
    def answer_access(
        request_id: str, body: Answer, user: LoggedIn, source: Governance
    ) -> dict[str, Any]:
        return governed(lambda: answer_request(user, source, request_id, body.approve,
                                               body.reason, datetime.now(UTC)))  # fmt: skip

    @router.post("/governance/requests/{request_id}/revoke")
    def revoke_access(
        request_id: str, body: Revocation, user: LoggedIn, source: Governance
    ) -> dict[str, Any]:
        return governed(lambda: end_grant(user, source, request_id, body.reason,
                                          datetime.now(UTC)))  # fmt: skip

    @router.post("/governance/corrections")
    def flag_record(body: Flag, user: LoggedIn, source: Governance) -> dict[str, Any]:
        return governed(lambda: flag_event(user, source, body.topic, body.event_id, body.reason,
                                           datetime.now(UTC)))  # fmt: skip

    @router.post("/governance/corrections/{flag_id}/answer")
    def answer_correction(
        flag_id: str, body: Answer, user: LoggedIn, source: Governance
    ) -> dict[str, Any]:
        return governed(lambda: answer_flag(user, source, flag_id, body.approve, body.reason,
                                            datetime.now(UTC)))  # fmt: skip

    @router.get("/alerts/live")
    async def live(user: LoggedIn, request: Request) -> EventSourceResponse:
        return EventSourceResponse(alert_revisions(backing, request))

    return router


async def alert_revisions(backing: Backing, request: Request) -> AsyncIterator[dict[str, str]]:
    """Each alert revision the thematic database takes in from now on, as a server-sent event."""
    seen: dict[str, int] = {}
    first = True
    while not await request.is_disconnected():
        if backing.connect is not None:
            rows = backing.connect().execute(
                "SELECT alert_id, revision, severity, status, message_zh, message_en, "
                "district, industry, enterprise_id FROM hub.hub_alert").fetchall()  # fmt: skip
            for alert_id, revision, *rest in rows:
                if seen.get(alert_id) == revision:
                    continue
                seen[alert_id] = revision
                if not first:
                    keys = ("severity", "status", "message_zh", "message_en", "district",
                            "industry", "enterprise_id")  # fmt: skip
                    fields = dict(zip(keys, rest, strict=True))
                    body = {"alert_id": alert_id, "revision": revision, **fields}
                    yield {"event": "alert", "data": json.dumps(body, ensure_ascii=False)}
            first = False
        await asyncio.sleep(LIVE_POLL_S)
