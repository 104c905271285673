"""`injuryhub web`: serve the web app."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from dashboards.web import create_app
from injuryhub.console import load_settings


def web(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
) -> None:
    """Serve the status page and health endpoint (the dashboards come here)."""
    uvicorn.run(create_app(load_settings()), host=host, port=port, log_level="warning")
