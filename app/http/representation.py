"""ETag, gzip and conditional requests, in one pass over each response.

The three need each other's results, in this order: the ETag hashes the body as the route
wrote it (a route may tag its response itself: a streamed export tags a fingerprint of its
rows); gzip, when the client accepts it and the body is worth it, codes the body and gives
it its own tag; the preconditions (RFC 9110 §13.2.2) then compare what the client holds
with the tag and `Last-Modified` of what it would get, and answer 304 or 412 before
anything is compressed or sent. A tagged stream is answered from its headers alone, so a
304 for an export costs no row.
"""

import zlib

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PreconditionFailed, problem_response
from app.http import gzip
from app.http.etag import GZIP_SUFFIX, Preconditions, coded, etag_for, uncoded

# What a 304 repeats of the 200 it stands for (RFC 9110 §15.4.5; Last-Modified too, which
# helps caches that validate by date).
_KEPT_ON_304 = {
    b"cache-control",
    b"content-location",
    b"date",
    b"etag",
    b"expires",
    b"last-modified",
    b"vary",
}


class _Answered(Exception):
    """Raised into the app once a 304 or 412 has gone out, so it stops producing the body."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RepresentationMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            if_match = _header(scope, b"if-match")
            if if_match is not None and GZIP_SUFFIX in if_match:
                headers = [(k, v) for k, v in scope["headers"] if k != b"if-match"]
                headers.append((b"if-match", uncoded(if_match).encode("latin-1")))
                scope["headers"] = headers  # in place: the layers outside read the route
        response = _Response(self, scope, receive, send)
        try:
            await self.app(scope, receive, response.send)
        except _Answered:
            pass


class _Response:
    """One response on its way out: held while it is hashed, then tagged, coded or answered."""

    def __init__(
        self, layer: RepresentationMiddleware, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.layer = layer
        self.scope = scope
        self.receive = receive
        self.downstream = send
        # HEAD arrives here as GET (app.http.front), and is conditional like it.
        self.conditional = scope["method"] in ("GET", "HEAD")
        self.start: Message | None = None
        self.chunks: list[bytes] | None = None  # the body being hashed
        self.coder: zlib._Compress | None = None
        self.answered = False

    async def send(self, message: Message) -> None:
        if self.answered:
            raise _Answered
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
            headers = message.get("headers", [])
            if message["status"] == 200 and self.conditional:
                if not any(k == b"etag" for k, _ in headers):
                    self.chunks = []  # tagged once the whole body is here
                    return
            length = next((v for k, v in headers if k == b"content-length"), None)
            await self.decide(int(length) if length is not None else None)
            return
        if kind != "http.response.body":
            await self.downstream(message)
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        if self.chunks is not None:
            self.chunks.append(body)
            if more:
                return
            body, self.chunks = b"".join(self.chunks), None
            assert self.start is not None
            self.start["headers"] = [
                *self.start.get("headers", []),
                (b"etag", etag_for(body).encode()),
            ]
            await self.decide(len(body))
            if self.answered:
                return
        if self.coder is not None:
            flush = zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH
            body = self.coder.compress(body) + self.coder.flush(flush)
        if self.start is not None:  # held for a coded body's length, or while hashing
            if self.coder is not None and not more:
                self.start["headers"].append((b"content-length", str(len(body)).encode()))
            await self.downstream(self.start)
            self.start = None
        await self.downstream({"type": "http.response.body", "body": body, "more_body": more})

    async def decide(self, size: int | None) -> None:
        """Code, tag and evaluate the held start of a body of `size` bytes (None: a stream)."""
        start = self.start
        assert start is not None
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        coding = (
            start["status"] == 200
            and "content-encoding" not in headers
            and gzip.compressible(headers.get("content-type", ""))
            and (size is None or size >= self.layer.minimum_size)
        )
        if coding:  # the representation varies with Accept-Encoding, coded or not
            headers.add_vary_header("Accept-Encoding")
            if gzip.accepts_gzip(_header(self.scope, b"accept-encoding")):
                self.coder = gzip.compressor()
                headers["Content-Encoding"] = "gzip"
                del headers["content-length"]  # set once the coded body is known
                if "etag" in headers:
                    headers["ETag"] = coded(headers["etag"])
        start["headers"] = headers.raw
        if start["status"] == 200 and self.conditional:
            outcome = Preconditions(self.scope).evaluate(
                headers.get("etag"), headers.get("last-modified")
            )
            if outcome is not None:
                await self.answer(outcome, headers)
                return
        if self.coder is None:
            await self.downstream(start)
            self.start = None

    async def answer(self, status: int, headers: MutableHeaders) -> None:
        self.answered = True
        if status == 304:
            kept = [(k, v) for k, v in headers.raw if k in _KEPT_ON_304]
            await self.downstream({"type": "http.response.start", "status": 304, "headers": kept})
            await self.downstream({"type": "http.response.body", "body": b""})
            return
        problem = PreconditionFailed(
            "If-Match or If-Unmodified-Since does not hold for the current representation "
            f"(ETag {headers.get('etag')}, Last-Modified {headers.get('last-modified', 'unknown')})"
        )
        await problem_response(problem)(self.scope, self.receive, self.downstream)
