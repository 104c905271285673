"""Running a coroutine eagerly: in the caller, up to its first real suspension, without a task.

Faust hands each message it fetched to its conductor through ``Service.wait_first``, which makes
four tasks and an ``asyncio.wait`` per message so that a callback blocked on a full buffer can
be abandoned when a rebalance suspends the flow. The callback almost never blocks: it decodes the
message and puts it in a queue with room. Started eagerly (what Python 3.12's eager task factory
does in C), a callback that finishes without suspending costs one ``send``; only one that does
suspend is finished in a task, as before.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


class _PassUp:
    """Hands what a coroutine yielded (a future it waits on, or None for a bare yield) to the
    task running the awaiting coroutine, and gives back what that task sends in."""

    __slots__ = ("yielded",)

    def __init__(self, yielded: Any) -> None:
        self.yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        return (yield self.yielded)


async def _finish(coro: Coroutine[Any, Any, Any], yielded: Any) -> Any:
    """Drives ``coro`` on from the point where it yielded ``yielded``, as its own task would:
    what the task sends in is sent on, what it throws in (a cancellation, a failed future) is
    thrown in."""
    while True:
        try:
            sent = await _PassUp(yielded)
        except BaseException as thrown:
            try:
                yielded = coro.throw(thrown)
            except StopIteration as finished:
                return finished.value
            continue
        try:
            yielded = coro.send(sent)
        except StopIteration as finished:
            return finished.value


def start_eagerly(coro: Coroutine[Any, Any, Any]) -> Coroutine[Any, Any, Any] | None:
    """Runs ``coro`` until it finishes or first suspends. None if it finished (its result is
    dropped; an exception it raised propagates here); otherwise a coroutine to await (or make
    a task of) that finishes it."""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return _finish(coro, yielded)
