"""Running a connector again and again: a drop folder watched for new files, a file followed as
it grows, a table polled for new rows, until SIGTERM or Ctrl-C. A stop aborts the open batch,
whose records the next start publishes (checkpoints make that exact)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from connectors.checkpoints import Checkpoint
from connectors.pipeline import Connector, RunReport
from connectors.sources.base import Source


class Stopped(Exception):
    """SIGTERM or Ctrl-C arrived; raised out of a run so that its open batch is aborted."""


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def follow(
    connector: Connector,
    next_sources: Callable[[], list[Source]],
    every: float | None,
    stop: threading.Event,
    on_record: Callable[[Source, Checkpoint], None],
    on_report: Callable[[RunReport], None],
) -> bool:
    """Run over ``next_sources()`` every ``every`` seconds until ``stop`` is set (once if
    ``every`` is None). Returns whether a stop cut a run short."""
    while not stop.is_set():
        for source in next_sources():

            def checked(totals: Checkpoint, source: Source = source) -> None:
                if stop.is_set():
                    raise Stopped
                on_record(source, totals)

            try:
                on_report(connector.run(source, on_record=checked))
            except Stopped:
                return True
        if every is None:
            return False
        stop.wait(every)
    return False
