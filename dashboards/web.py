"""The hub's web app: the dashboard (three views over the thematic database, dashboards/api.py and
dashboards/static/), a status page (is Kafka answering, which catalogue topics exist) and a
health endpoint for containers."""

from __future__ import annotations

import secrets
from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from kafka.errors import KafkaError
from starlette.middleware.sessions import SessionMiddleware

from dashboards.api import Backing, api_router
from dashboards.audit import audit_api
from streams.broker.readiness import registered_brokers
from streams.settings import HubSettings
from streams.topics.admin import existing_topics
from streams.topics.catalogue import catalogue

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>工伤预防数据共享枢纽 · injury-hub</title>
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}}
td,th{{padding:.2em .8em;text-align:left}} .missing{{color:#b00}}</style></head>
<body><h1>工伤预防数据共享枢纽 <small>injury-hub</small></h1>
<p id="kafka">Kafka {bootstrap}: {brokers} 个节点在线 / {brokers} broker(s) answering</p>
<table id="topics"><thead><tr><th>主题 topic</th><th>所属 owner</th><th>状态 state</th>
<th>说明 about</th></tr></thead><tbody>{rows}</tbody></table></body></html>
"""


STATIC = Path(__file__).parent / "static"
#: ECharts as npm installs it (`make setup`): served by the app itself, no CDN
ECHARTS = Path(__file__).parent / "node_modules" / "echarts" / "dist" / "echarts.min.js"


def create_app(settings: HubSettings, backing: Backing | None = None) -> FastAPI:
    """The web app; without ``backing`` only the status page and health endpoint."""
    app = FastAPI(title="injury-hub", docs_url=None, redoc_url=None)
    secret = settings.dashboard_secret
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        session_cookie="injuryhub_session",
        same_site="strict",
        https_only=False,  # loopback by default; put TLS in front for anything else
    )
    if backing is not None:
        app.include_router(api_router(backing))
        audit_api(app, backing.audit)
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

        @app.get("/vendor/echarts.min.js")
        def echarts() -> FileResponse:
            return FileResponse(ECHARTS, media_type="text/javascript")

        @app.get("/", response_class=HTMLResponse)
        def dashboard() -> FileResponse:
            return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/healthz")
    def health() -> JSONResponse:
        brokers = registered_brokers(settings.bootstrap, auth=settings.kafka_auth)
        body = {"status": "ok" if brokers else "kafka unreachable", "brokers": brokers}
        return JSONResponse(body, status_code=200 if brokers else 503)

    @app.get("/status", response_class=HTMLResponse)
    def status_page() -> HTMLResponse:
        brokers = registered_brokers(settings.bootstrap, auth=settings.kafka_auth)
        try:
            present = (
                existing_topics(settings.bootstrap, auth=settings.kafka_auth) if brokers else set()
            )
        except KafkaError:
            present = set()
        rows = "".join(
            f"<tr><td>{escape(spec.name)}</td><td>{escape(spec.owner)}</td>"
            + (
                "<td>就绪 ready</td>"
                if spec.name in present
                else '<td class="missing">缺失 missing</td>'
            )
            + f"<td>{escape(spec.doc)}</td></tr>"
            for spec in catalogue()
        )
        page = _PAGE.format(bootstrap=escape(settings.bootstrap), brokers=brokers, rows=rows)
        return HTMLResponse(page, status_code=200 if brokers else 503)

    return app
