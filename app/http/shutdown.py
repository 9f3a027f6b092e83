"""Shutdown as a client sees it: a request it cuts off before any answer is told to retry."""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ShuttingDown, problem_response


class CancelledRequests:
    """ASGI: a request cut off by shutdown answers a 503 problem, not the server's 500.

    On SIGTERM, requests still running after GRACEFUL_SHUTDOWN_SECONDS are cancelled (a
    write not yet committed is rolled back); a client that got nothing yet is told to
    retry. Outermost, so that it knows whether anything was sent.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except asyncio.CancelledError:
            if scope["type"] == "http" and not started:
                cut = ShuttingDown("the server stopped before this request finished")
                await problem_response(cut)(scope, receive, send)
            raise
