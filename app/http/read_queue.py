"""Reads take turns: a process works on a few at once, and the others wait in order."""

import asyncio
import weakref

from starlette.types import ASGIApp, Message, Receive, Scope, Send

QUEUED = ("/v1/", "/ogc")
"""The paths whose reads queue: those that read the database (health checks, the pages and
their files do not wait behind them)."""


class ReadQueue:
    """ASGI: a GET or HEAD under `QUEUED` waits for one of `size` turns, and gives it back
    when its answer starts (a streamed export streams on outside it). Writes never wait.

    Every read does its database work in a thread. Past a few at once, the threads only
    contend for Python's lock, which goes to any of them rather than to the one that has
    waited longest: at 1M incidents on SQLite, with 16 connections asking for details, the
    p99 was 125 to 135 ms with 40 reads at work and 39 to 40 ms with 2, and stats under
    `q` asked meanwhile took 0.5 to 2.4 s instead of 0.3 to 0.9 (docs/benchmarks.md,
    twelfth stop). In a queue, reads are answered in the order they came.
    """

    def __init__(self, app: ASGIApp, size: int) -> None:
        self.app = app
        self.size = size
        # One semaphore per event loop (tests run one app on several).
        self.turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(QUEUED)
        ):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        turns = self.turns.get(loop)
        if turns is None:
            turns = self.turns[loop] = asyncio.Semaphore(self.size)
        await turns.acquire()
        held = True

        async def answer(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False
                turns.release()
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            if held:
                turns.release()
