"""A running change-feed listener for tests, and a way to wait for what it hears."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from clerk_app.change_feed import ChangeFeed, conninfo, follow


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (the listener runs on this loop meanwhile)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def following(url: str, feed: ChangeFeed | None = None) -> AsyncIterator[ChangeFeed]:
    """``feed`` (a new one by default) following the PostgreSQL database ``url``, vouching."""
    feed = feed or ChangeFeed()
    task = asyncio.create_task(follow(feed, conninfo(url)))
    try:
        await until(lambda: feed.stamp("anyone") is not None)
        yield feed
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
