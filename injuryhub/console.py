"""The CLI's shared console and its one way of turning known failures into clear messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console

from streams.settings import HubSettings

console = Console()
err_console = Console(stderr=True)


class UserFacingError(RuntimeError):
    """A failure whose message tells the user what to do; shown without a traceback."""


def load_settings() -> HubSettings:
    try:
        return HubSettings()
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            where = f" {field} (environment INJURYHUB_{field.upper()} or .env)" if field else "s"
            err_console.print(f"[red]setting{where}: {problem['msg']}[/red]")
        raise typer.Exit(2) from error


@contextmanager
def clear_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Report the given exception kinds as one red line and exit 1."""
    caught: tuple[type[Exception], ...] = (UserFacingError, *kinds)
    try:
        yield
    except caught as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
