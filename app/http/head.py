"""HEAD on every GET route: the status and headers of the GET, without its body.

RFC 9110 (9.3.2) asks every general-purpose server for HEAD, and clients use it:
GDAL, and so QGIS, sends HEAD before it reads a GeoJSON URL. FastAPI routes answer GET
only, so HEAD runs as a GET here and the body is dropped (a stream stops at once).
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyDropped(Exception):
    """Raised into the app once the headers are out, so it stops producing the body."""


class HeadMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if done:
                raise _BodyDropped
            if message["type"] == "http.response.body":
                done = True
                await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        try:
            await self.app({**scope, "method": "GET"}, receive, headers_only)
        except _BodyDropped:
            pass
