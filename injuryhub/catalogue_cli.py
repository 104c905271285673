"""`injuryhub catalogue`: the data catalogue, for people (a table) or other systems (JSON, CSV)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from injuryhub.console import console, err_console, load_settings
from streams.contracts.registry import load_registry
from streams.governance.calendar import CITY_ZONE
from streams.governance.catalogue import (
    CLASS_LABELS,
    Access,
    build_catalogue,
    to_csv,
    to_json,
)
from streams.governance.ledger import Ledger, LedgerUnreadable, now_utc
from streams.governance.requests import fold, granted_access
from streams.topics.catalogue import catalogue as topic_catalogue


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _reader(access: Access) -> str:
    if access.basis == "standing":
        return access.department
    until = f" until {access.until.astimezone(CITY_ZONE):%Y-%m-%d}" if access.until else ""
    return f"{access.department} ({access.basis}{until})"


def catalogue(
    output_format: Annotated[
        Format, typer.Option("--format", help="table (for people), json or csv (for systems).")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON or CSV here instead of printing it.")
    ] = None,
    topic_prefix: Annotated[
        str, typer.Option(help="Before every topic name, as the worker's.")
    ] = "",
) -> None:
    """Every topic: owner, sharing class (无条件/有条件/不予共享), fields (personal ones marked),
    retention, and who may read it."""
    settings = load_settings()
    registry = load_registry(settings.schemas_path)
    try:
        states = fold(Ledger(settings, registry, topic_prefix).steps()).values()
    except LedgerUnreadable as unreachable:
        # The catalogue itself needs no broker; only the grants live on one.
        err_console.print(f"[yellow]grants not shown: {unreachable}[/yellow]")
        states = {}.values()
    entries = build_catalogue(topic_catalogue(), registry, granted_access(states, now_utc()))
    if output_format is Format.table:
        table = Table(title="数据共享目录 data catalogue")
        for column in ("topic", "owner", "sharing", "personal fields", "retention", "readers"):
            table.add_column(column)
        for entry in entries:
            readers = ", ".join(_reader(a) for a in entry.access if a.basis != "owner")
            table.add_row(entry.topic, entry.owner, CLASS_LABELS[entry.sharing],
                          ", ".join(entry.personal_fields) or "-", entry.retention,
                          readers or "-")  # fmt: skip
        console.print(table)
        return
    text = (json.dumps(to_json(entries), ensure_ascii=False, indent=2) + "\n"
            if output_format is Format.json else to_csv(entries))  # fmt: skip
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"{len(entries)} topics written to {out}")
