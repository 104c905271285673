"""A long run's evaluation in a second process. A connector's own work per record (mapping,
pseudonym, envelope, validation, Avro: ~90 µs in pure Python) shares one GIL with kafka-python's
sender thread, so one process publishes at a fifth of what its producer alone can. The child is
forked from the connector, so it starts at once with the connector's state (the natural keys
seen so far) and never imports or reads its configuration again; it evaluates the records in
their order, one at a time, so duplicates are found exactly as in one process. The parent reads
the source, publishes and commits. Clear values cross only a pipe between the two processes of
one connector, never the network."""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import queue
import signal
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import NamedTuple

from connectors.sources.base import SourceRecord

#: Records sent to the child at a time, and how many such chunks may wait for it: enough that
#: it never waits for the parent, few enough that a failure is found quickly.
CHUNK = 250
AHEAD = 3
#: How often both sides look whether the other is still there while they wait.
POLL_S = 1.0
#: How long the child may take to end once asked.
STOP_S = 5.0
#: prctl(2)'s option that signals a process when the thread that forked it ends.
PR_SET_PDEATHSIG = 1


class Encoded(NamedTuple):
    """What a record becomes on the wire: the event (published) or its dead letter."""

    published: bool
    key: bytes
    value: bytes


class EvaluationFailed(RuntimeError):
    """The evaluation process raised or died; the run stops, nothing of the chunk is sent."""


Encode = Callable[[SourceRecord], Encoded]


def _serve(
    encode: Encode,
    requests: multiprocessing.Queue[list[SourceRecord] | None],
    answers: multiprocessing.Queue[list[Encoded] | str],
    parent: int,
) -> None:
    """The child: encode each chunk, in order, until told to stop or the parent is gone."""
    _die_with_parent()
    while True:
        try:
            chunk = requests.get(timeout=POLL_S)
        except queue.Empty:
            if os.getppid() != parent:
                answers.cancel_join_thread()  # no one is left to read what it holds
                return
            continue
        if chunk is None:
            return
        try:
            answers.put([encode(record) for record in chunk])
        except Exception as error:  # handed to the parent, which raises it
            # Only where it happened: the error's text may quote a record's clear values.
            where = error.__traceback__
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            place = f" at {where.tb_frame.f_code.co_filename}:{where.tb_lineno}" if where else ""
            answers.put(f"the evaluation raised {type(error).__name__}{place}")
            return


def _die_with_parent() -> None:
    """Be killed when the connector is. Waiting for its end is not enough: killed while it wrote
    a chunk, it leaves half a message in the pipe, and the child would wait for the rest for
    ever (it holds the pipe's other end too, so no end of file comes). The polls of
    ``os.getppid`` stay for the moment before this, and where prctl(2) is missing."""
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class EvaluationProcess:
    """A forked child that encodes records for the parent; a context manager."""

    def __init__(self, encode: Encode, name: str) -> None:
        context = multiprocessing.get_context("fork")
        self._requests: multiprocessing.Queue[list[SourceRecord] | None] = context.Queue()
        self._answers: multiprocessing.Queue[list[Encoded] | str] = context.Queue()
        self._process: BaseProcess = context.Process(
            target=_serve,
            args=(encode, self._requests, self._answers, os.getpid()),
            name=f"{name}-evaluation",
            daemon=True,
        )

    def __enter__(self) -> EvaluationProcess:
        self._process.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process.is_alive():
            self._requests.put(None)
            self._process.join(STOP_S)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._requests.cancel_join_thread()  # chunks the child never took are dropped
        for channel in (self._requests, self._answers):
            channel.close()

    def encode_all(self, records: Iterator[SourceRecord]) -> Iterator[tuple[SourceRecord, Encoded]]:
        """Each record with what it became, in order; the source is read a few chunks ahead."""
        waiting: deque[list[SourceRecord]] = deque()
        while True:
            while len(waiting) < AHEAD and (chunk := list(itertools.islice(records, CHUNK))):
                self._requests.put(chunk)
                waiting.append(chunk)
            if not waiting:
                return
            yield from zip(waiting.popleft(), self._answer(), strict=True)

    def _answer(self) -> list[Encoded]:
        while True:
            try:
                answer = self._answers.get(timeout=POLL_S)
            except queue.Empty:
                if not self._process.is_alive():
                    raise EvaluationFailed(
                        f"the evaluation process ended (exit code {self._process.exitcode})"
                    ) from None
                continue
            if isinstance(answer, str):
                raise EvaluationFailed(answer)
            return answer
