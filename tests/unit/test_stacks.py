import asyncio
import threading
from collections.abc import AsyncIterator

from injuryhub.stacks import HEADER, stacks


def test_the_picture_names_each_thread_and_each_waiting_task_without_local_variables() -> None:
    async def waits_for_ever(secret_value: str) -> None:
        await asyncio.Event().wait()

    async def main() -> str:
        task = asyncio.create_task(waits_for_ever("s3cr3t-1234"), name="the-stuck-one")
        await asyncio.sleep(0)
        try:
            return stacks()
        finally:
            task.cancel()

    stopping = threading.Event()
    other = threading.Thread(target=stopping.wait, name="a-helper-thread")
    other.start()
    try:
        picture = asyncio.run(main())
    finally:
        stopping.set()
        other.join()
    assert picture.startswith(HEADER)
    assert "THREAD MainThread" in picture and "THREAD a-helper-thread" in picture
    assert "TASK the-stuck-one" in picture and "in waits_for_ever" in picture
    assert "s3cr3t-1234" not in picture


def test_a_task_shows_what_it_awaits_down_to_the_innermost_through_async_generators() -> None:
    async def innermost() -> None:
        await asyncio.Event().wait()

    async def generator() -> AsyncIterator[int]:
        await innermost()
        yield 1

    async def middle() -> None:
        async for _ in generator():
            pass

    async def outermost() -> None:
        await middle()

    async def main() -> str:
        task = asyncio.create_task(outermost(), name="nested")
        await asyncio.sleep(0)
        try:
            return stacks()
        finally:
            task.cancel()

    picture = asyncio.run(main())
    nested = picture[picture.index("TASK nested") :]
    order = ["in outermost", "in middle", "in generator", "in innermost", "in wait"]
    assert [nested.find(name) for name in order] == sorted(nested.find(name) for name in order)
    assert all(name in nested for name in order)
