"""ETag on every successful GET, and 304 when `If-None-Match` matches.

The tag is a hash of the body, so it changes exactly when the representation does. A
response that arrives already tagged (a streamed export, tagged from a cheap fingerprint
of its rows) is never buffered: it is answered with a 304 or passed through as it streams.
"""

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Headers a 304 repeats from the 200 it stands for (RFC 9110, section 15.4.5).
_KEPT_ON_304 = (b"etag", b"cache-control", b"vary")


def etag_for(body: bytes) -> str:
    """The strong ETag of a representation: what GET sends and `If-Match` must repeat."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def weak_etag_for(fingerprint: bytes) -> str:
    """A weak ETag from a fingerprint of the data rather than from the bytes sent."""
    return "W/" + etag_for(fingerprint)


def if_match_holds(if_match: str, etag: str) -> bool:
    """`If-Match` uses the strong comparison: a weak tag never matches (RFC 9110 13.1.1)."""
    tags = {t.strip() for t in if_match.split(",")}
    return "*" in tags or etag in tags


def matches(if_none_match: str, etag: str) -> bool:
    """`If-None-Match` uses the weak comparison: `W/"x"` and `"x"` match."""
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag.removeprefix("W/") in tags


class _Answered(Exception):
    """Raised into the app once a 304 has gone out, so it stops producing the body."""


class ETagMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        streaming = answered = False

        async def buffer(message: Message) -> None:
            nonlocal start, streaming, answered
            if answered:
                raise _Answered
            if message["type"] == "http.response.start":
                etag = Headers(raw=message["headers"]).get("etag")
                if message["status"] != 200 or etag is None:
                    start = message
                    return
                if if_none_match and matches(if_none_match, etag):
                    await self._not_modified(message, send)
                    answered = True
                    return
                streaming = True
                await send(message)
                return
            if streaming or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            assert start is not None
            await self._finish(start, b"".join(chunks), if_none_match, send)

        try:
            await self.app(scope, receive, buffer)
        except _Answered:
            pass

    @staticmethod
    async def _not_modified(start: Message, send: Send) -> None:
        keep = [(k, v) for k, v in start["headers"] if k.lower() in _KEPT_ON_304]
        await send({"type": "http.response.start", "status": 304, "headers": keep})
        await send({"type": "http.response.body", "body": b""})

    async def _finish(
        self, start: Message, body: bytes, if_none_match: str | None, send: Send
    ) -> None:
        if start["status"] != 200:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        headers = MutableHeaders(raw=list(start["headers"]))
        headers["ETag"] = etag_for(body)
        if if_none_match and matches(if_none_match, headers["ETag"]):
            await self._not_modified({**start, "headers": headers.raw}, send)
            return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
