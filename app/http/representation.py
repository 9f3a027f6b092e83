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


class RepresentationMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        # HEAD arrives here as GET (app.http.front), and is conditional like it.
        conditions = Preconditions.of(headers)
        if scope["method"] != "GET" and conditions is not None and conditions.if_match:
            if GZIP_SUFFIX in conditions.if_match:  # a write names the state, coded or not
                if_match = uncoded(conditions.if_match).encode("latin-1")
                headers = [(k, v) for k, v in headers if k != b"if-match"]
                scope["headers"] = [*headers, (b"if-match", if_match)]  # in place: the
                # layers outside read the route from this scope
            conditions = None
        accept_encoding = next((v for k, v in headers if k == b"accept-encoding"), None)
        response = _Response(self, scope, receive, send, conditions, accept_encoding)
        try:
            await self.app(scope, receive, response.send)
        except _Answered:
            pass


class _Response:
    """One response on its way out: held while it is hashed, then tagged, coded or answered."""

    def __init__(
        self,
        layer: RepresentationMiddleware,
        scope: Scope,
        receive: Receive,
        send: Send,
        conditions: Preconditions | None,
        accept_encoding: bytes | None,
    ) -> None:
        self.layer = layer
        self.scope = scope
        self.receive = receive
        self.downstream = send
        self.get = scope["method"] == "GET"
        self.conditions = conditions if self.get else None
        self.accept_encoding = accept_encoding
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
            if message["status"] == 200 and self.get:
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
            self.start["headers"] = [*self.start.get("headers", []), (b"etag", _tag(body))]
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
        headers = list(start.get("headers", []))
        fields = dict(headers)  # the single-valued ones read here
        ok = start["status"] == 200
        if (
            ok
            and b"content-encoding" not in fields
            and gzip.compressible(fields.get(b"content-type", b""))
            and (size is None or size >= self.layer.minimum_size)
        ):  # the representation varies with Accept-Encoding, coded or not
            vary = [v for k, v in headers if k == b"vary"]
            headers = [(k, v) for k, v in headers if k != b"vary"]
            headers.append((b"vary", b", ".join([*vary, b"Accept-Encoding"])))
            if gzip.accepts_gzip(self.accept_encoding):
                self.coder = gzip.compressor()
                headers = [  # Content-Length: set once the coded body is known
                    (k, coded(v.decode("latin-1")).encode("latin-1") if k == b"etag" else v)
                    for k, v in headers
                    if k != b"content-length"
                ]
                headers.append((b"content-encoding", b"gzip"))
        start["headers"] = headers
        if ok and self.conditions is not None:
            etag = next((v.decode("latin-1") for k, v in headers if k == b"etag"), None)
            modified = fields.get(b"last-modified")
            outcome = self.conditions.evaluate(etag, modified and modified.decode("latin-1"))
            if outcome is not None:
                await self.answer(outcome, headers, etag)
                return
        if self.coder is None:
            await self.downstream(start)
            self.start = None

    async def answer(
        self, status: int, headers: list[tuple[bytes, bytes]], etag: str | None
    ) -> None:
        self.answered = True
        if status == 304:
            kept = [(k, v) for k, v in headers if k in _KEPT_ON_304]
            await self.downstream({"type": "http.response.start", "status": 304, "headers": kept})
            await self.downstream({"type": "http.response.body", "body": b""})
            return
        problem = PreconditionFailed(
            "If-Match or If-Unmodified-Since does not hold for the current representation "
            f"(ETag {etag})"
        )
        await problem_response(problem)(self.scope, self.receive, self.downstream)


def _tag(body: bytes) -> bytes:
    return etag_for(body).encode()
