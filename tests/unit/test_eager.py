"""Coroutines started eagerly (streams/eager.py): what runs at once, and a suspended rest that
behaves as the coroutine would in a task of its own."""

from __future__ import annotations

import asyncio

import pytest

from streams.eager import start_eagerly


async def test_a_coroutine_that_does_not_suspend_finishes_at_once() -> None:
    ran: list[str] = []

    async def put() -> str:
        ran.append("put")
        return "done"

    assert start_eagerly(put()) is None
    assert ran == ["put"]


async def test_an_error_before_any_suspension_is_raised_by_the_start() -> None:
    async def broken() -> None:
        raise ValueError("undecodable")

    with pytest.raises(ValueError, match="undecodable"):
        start_eagerly(broken())


async def test_a_suspended_coroutine_goes_on_where_it_stopped_when_its_future_is_done() -> None:
    loop = asyncio.get_running_loop()
    room: asyncio.Future[int] = loop.create_future()
    ran: list[object] = []

    async def put() -> str:
        ran.append("before")
        ran.append(await room)
        await asyncio.sleep(0)  # a bare yield, then on
        ran.append("after")
        return "done"

    rest = start_eagerly(put())
    assert rest is not None
    assert ran == ["before"]
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    assert not task.done()
    room.set_result(7)
    assert await task == "done"
    assert ran == ["before", 7, "after"]


async def test_a_failed_future_raises_inside_the_coroutine_as_it_would_in_a_task() -> None:
    loop = asyncio.get_running_loop()
    room: asyncio.Future[int] = loop.create_future()

    async def put() -> str:
        try:
            await room
        except ConnectionError as error:
            return f"handled {error}"
        return "not reached"

    rest = start_eagerly(put())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    room.set_exception(ConnectionError("broker gone"))
    assert await task == "handled broker gone"


async def test_cancelling_the_rest_cancels_the_coroutine_at_its_await() -> None:
    loop = asyncio.get_running_loop()
    never: asyncio.Future[None] = loop.create_future()
    cleaned: list[str] = []

    async def put() -> None:
        try:
            await never
        finally:
            cleaned.append("finally")

    rest = start_eagerly(put())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["finally"]
    assert never.cancelled()  # as a task of its own cancels the future it waits on
