"""One audit entry per API request (streams/audit.py keeps them on ``hub.audit``): the user the
request proved to be (dashboards/api.py leaves it on ``request.state``), what it asked for, and
the answer's status, refusals included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from dashboards.auth import User
from streams.audit import AuditEntry, Kind

Audit = Callable[[AuditEntry], object]


def _kind(method: str, path: str) -> Kind:
    if path == "/api/login":
        return "LOGIN"
    if path == "/api/logout":
        return "LOGOUT"
    return "READ" if method in ("GET", "HEAD") else "CHANGE"


def entry_of(request: Request, status: int) -> AuditEntry:
    user: User | None = getattr(request.state, "user", None)
    tried: str = getattr(request.state, "login_name", "")
    return AuditEntry(
        actor=user.name if user else tried,
        role=user.role if user else None,
        department=user.department if user else None,
        credential=getattr(request.state, "credential", "PASSWORD" if tried else "NONE"),
        method=request.method,
        path=request.url.path,
        query=request.url.query,
        kind=_kind(request.method, request.url.path),
        status=status,
        client=request.client.host if request.client else "",
    )


def audit_api(app: FastAPI, audit: Audit) -> None:
    """Record every request to ``/api/`` once it is answered."""

    @app.middleware("http")
    async def record(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/api/"):
            audit(entry_of(request, response.status_code))
        return response
