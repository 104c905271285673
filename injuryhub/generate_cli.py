"""`injuryhub generate`: write a synthetic city-year in the departments' native formats."""

from __future__ import annotations

import shutil
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from connectors.synthetic.generate import (
    GROUND_TRUTH,
    GenerateError,
    YearOptions,
    check_options,
    generate,
    latest_year,
)
from injuryhub.console import UserFacingError, clear_errors, console, load_settings
from injuryhub.wiring import MAPPINGS, load_contracts
from streams.settings import HubSettings


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def write_year(out: Path, options: YearOptions, settings: HubSettings) -> dict[str, Any]:
    """Generate into ``out`` (made whole or not at all: written aside, then renamed); returns
    the ground truth. Raises GenerateError for options that cannot make a year."""
    check_options(options, today())
    partial = out.with_name(out.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    status = f"generating {options.year} at scale {options.scale:g} (seed {options.seed}) …"
    with console.status(status):
        truth = generate(partial, options, load_contracts(settings).codes, MAPPINGS)
    partial.rename(out)
    return truth


def generate_year(
    out: Annotated[Path, typer.Option("--out", "-o", file_okay=False, help="Folder to write.")],
    year: Annotated[int, typer.Option(help="The calendar year to simulate.")] = latest_year(
        today()
    ),
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same year.")] = 1,
    scale: Annotated[
        float, typer.Option(help="1 = a Qingdao-sized year (20,000 enterprises).")
    ] = 1.0,
    training_effect: Annotated[
        float, typer.Option(help="True relative fall of trained enterprises' injury rate.")
    ] = 0.30,
    bad_records: Annotated[
        bool, typer.Option(help="Mix in the bad-input corpus (one record per kind).")
    ] = True,
) -> None:
    """Generate a year for all seven departments with its ground_truth.json."""
    settings = load_settings()
    options = YearOptions(year, seed, scale, training_effect, bad_records)
    with clear_errors(GenerateError, OSError):
        if out.exists():
            raise UserFacingError(f"{out} exists: give a new folder")
        began = time.monotonic()
        truth = write_year(out, options, settings)
        seconds = time.monotonic() - began
    table = Table(title=f"synthetic year {year} · seed {seed} · scale {scale} → {out}")
    for column in ("topic", "events"):
        table.add_column(column, justify="right" if column == "events" else "left")
    for topic, count in truth["topics"].items():
        table.add_row(topic, f"{count:,}")
    console.print(table)
    total = sum(truth["topics"].values())
    console.print(
        f"{truth['enterprises']:,} enterprises, {total:,} records "
        f"({len(truth['bad_records'])} bad, {len(truth['bad_record_kinds'])} kinds), "
        f"{len(truth['clusters'])} injected clusters, in {seconds:.1f} s; "
        f"truth in {out / GROUND_TRUTH}"
    )
