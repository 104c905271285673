"""Where a running worker is: every thread's stack and every asyncio task's, on SIGUSR1.

A worker that stops making progress says nothing in its log; this picture is how a stall that
happens only now and then (in CI) can be found. mode's worker already answers SIGUSR1, but with
each frame's local variables, which may hold credentials or a record: this one gives code
positions only.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import sys
import threading
import traceback
from collections.abc import Iterable
from types import FrameType
from typing import Any

#: the first line of the picture, for whoever waits for it in a log
HEADER = "where every thread and task is (SIGUSR1):"


def _frames(frames: Iterable[FrameType]) -> str:
    summary = traceback.StackSummary.extract((frame, frame.f_lineno) for frame in frames)
    return "".join(summary.format())


def _awaiting(coro: Any) -> list[FrameType]:
    """The frames of ``coro`` and of what it awaits, down to the innermost: a suspended task's
    own stack (``Task.get_stack``) holds its outermost frame only, which says nothing of where
    it waits."""
    frames = []
    while coro is not None:
        if type(coro).__name__ == "async_generator_asend":  # ``async for``: its generator
            coro = next((g for g in gc.get_referents(coro) if inspect.isasyncgen(g)), None)
            continue
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        frame = frame or getattr(coro, "ag_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = (getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
                or getattr(coro, "ag_await", None))  # fmt: skip
    return frames


def _task_stacks(loop: asyncio.AbstractEventLoop) -> list[str]:
    try:
        tasks = list(asyncio.all_tasks(loop))
    except RuntimeError:  # the set changed while another thread's loop ran: a picture, not a proof
        return ["  (its tasks changed while being listed)\n"]
    return sorted(f"  TASK {task.get_name()} {task.get_coro()!r}\n"
                  f"{_frames(_awaiting(task.get_coro()) or task.get_stack())}"
                  for task in tasks)  # fmt: skip


def stacks(first: Iterable[str] = ()) -> str:
    """Every thread's stack, then the tasks of each thread's event loop (a mode service thread's is
    its service's ``thread_loop``); ``first``: short pictures put before them, so that a log's
    tail cut for a report still shows them."""
    threads = {thread.ident: thread for thread in threading.enumerate()}
    parts = [HEADER, *first]
    for ident, frame in sys._current_frames().items():
        thread = threads.get(ident)
        name = thread.name if thread else str(ident)
        parts.append(f"THREAD {name}\n{''.join(traceback.format_stack(frame))}")
        service = getattr(thread, "service", None)
        loop = getattr(service, "thread_loop", None) or getattr(thread, "loop", None)
        if thread is threading.main_thread():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        if isinstance(loop, asyncio.AbstractEventLoop):
            parts += _task_stacks(loop)
    return "\n".join(parts)
