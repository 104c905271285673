"""`injuryhub audit ...`: the provenance log (hash-chained, sealed) of every published event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from kafka.errors import KafkaError

from injuryhub.console import clear_errors, console, err_console, load_settings
from injuryhub.wiring import build_recorder
from streams.governance.provenance import Entry, Seal, Verdict, from_line, to_line, verify
from streams.governance.recorder import PROVENANCE_TOPIC, read_log

app = typer.Typer(help="溯源日志 the provenance log: record, export, verify.")
Prefix = Annotated[str, typer.Option(help="Before every topic name, as the worker's.")]


@app.command()
def record(
    follow: Annotated[bool, typer.Option(help="Keep recording as events come.")] = False,
    topic_prefix: Prefix = "",
) -> None:
    """Append an entry for every event published since the last run, and seal the log."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError):
        added = build_recorder(settings, topic_prefix).record(follow=follow)
    console.print(f"{added} entr{'y' if added == 1 else 'ies'} added to "
                  f"{topic_prefix}{PROVENANCE_TOPIC}")  # fmt: skip


@app.command()
def export(
    out: Annotated[Path, typer.Option(help="The JSON-lines file to write.")],
    topic_prefix: Prefix = "",
) -> None:
    """Write the log (entries and seals, in order) to a JSON-lines file."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError):
        items = read_log(settings.bootstrap, topic_prefix + PROVENANCE_TOPIC, settings.kafka_auth)
    with out.open("w", encoding="utf-8") as file:
        for item in items:
            file.write(json.dumps(to_line(item), ensure_ascii=False) + "\n")
    console.print(f"{len(items)} line(s) written to {out}")


@app.command("verify")
def verify_log(
    file: Annotated[
        Path | None, typer.Option(help="An exported log to check; unset: the topic itself.")
    ] = None,
    topic_prefix: Prefix = "",
) -> None:
    """Check the chain and the seals; exit 1 naming the first entry that does not hold."""
    settings = load_settings()
    with clear_errors(KafkaError, LookupError, ValueError):
        items = _read_file(file) if file else read_log(
            settings.bootstrap, topic_prefix + PROVENANCE_TOPIC, settings.kafka_auth
        )  # fmt: skip
    verdict = verify(items, settings.provenance_key.get_secret_value().encode())
    _report(verdict)


def _read_file(path: Path) -> list[Entry | Seal]:
    items = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                items.append(from_line(json.loads(line)))
            except (json.JSONDecodeError, TypeError, KeyError) as error:
                raise ValueError(f"{path} line {number}: not a log entry or seal ({error})") \
                    from None  # fmt: skip
    return items


def _report(verdict: Verdict) -> None:
    counts = f"{verdict.entries} entries, {verdict.seals} seals"
    if not verdict.intact:
        err_console.print(f"[red]provenance log NOT intact after {counts}: {verdict.problem}"
                          "[/red]")  # fmt: skip
        raise typer.Exit(1)
    unsealed = f"; {verdict.unsealed} entries after the last seal" if verdict.unsealed else ""
    console.print(f"provenance log intact: {counts}{unsealed}")
