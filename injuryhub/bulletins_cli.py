"""`injuryhub bulletins`: the situation bulletins (态势简报) on hub.bulletins, for people."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from kafka.errors import KafkaError
from rich.markdown import Markdown
from rich.table import Table

from agents.bulletins.render import html
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from streams.clients import latest_per_key, read_to_end
from streams.contracts.registry import SchemaRegistry, load_registry
from streams.contracts.wire import decode
from streams.settings import HubSettings

app = typer.Typer(help="Situation bulletins (态势简报).", no_args_is_help=True)
Prefix = Annotated[str, typer.Option(help="Topic prefix (a replay's sandbox).")]


def latest_bulletins(
    settings: HubSettings, registry: SchemaRegistry, prefix: str
) -> dict[str, dict[str, Any]]:
    """``WEEK|2025-W14`` and the like -> the newest bulletin of that period."""
    records = asyncio.run(
        read_to_end(settings.bootstrap, prefix + "hub.bulletins", auth=settings.kafka_auth)
    )
    return {
        (key or b"").decode(): decode(registry, value or b"")[1]
        for key, value in latest_per_key(records).items()
    }


def _bulletins(prefix: str) -> dict[str, dict[str, Any]]:
    settings = load_settings()
    return latest_bulletins(settings, load_registry(settings.schemas_path), prefix)


@app.command("list")
def list_bulletins(topic_prefix: Prefix = "") -> None:
    """Every period's bulletin, in time order."""
    with clear_errors(KafkaError, LookupError):
        bulletins = _bulletins(topic_prefix)
    table = Table("期间 period", "事故 accidents", "死亡 deaths", "认定工伤 recognised",
                  "未关闭预警 open alerts")  # fmt: skip
    for period, bulletin in sorted(bulletins.items(), key=lambda kv: kv[1]["period_start"]):
        figures = bulletin["figures"]
        table.add_row(period, f"{figures['accidents']:.0f}", f"{figures['deaths']:.0f}",
                      f"{figures['recognised_injuries']:.0f}",
                      str(len(bulletin["open_alert_ids"])))  # fmt: skip
    console.print(table)
    console.print(f"{len(bulletins)} bulletins")


@app.command()
def show(
    period: Annotated[str, typer.Argument(help="Its label: 2025-W14, 2025-04 or 2025-Q2.")],
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Also write it as an HTML page here.")
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """One bulletin, as Markdown in the terminal (and HTML with --html)."""
    with clear_errors(KafkaError, LookupError, OSError):
        bulletins = _bulletins(topic_prefix)
        found = [b for key, b in bulletins.items() if key.split("|", 1)[-1] == period]
        if not found:
            raise UserFacingError(
                f"no bulletin for {period!r} on {topic_prefix}hub.bulletins "
                "(periods look like 2025-W14, 2025-04, 2025-Q2; `injuryhub bulletins list`)"
            )
        markdown = found[0]["markdown_zh"]
        console.print(Markdown(markdown))
        if html_out is not None:
            html_out.write_text(html(markdown), encoding="utf-8")
            console.print(f"written to {html_out}")
