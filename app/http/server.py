"""uvicorn's HTTP protocol (httptools) with a bound on the time and size of a request's head.

uvicorn waits for a request's line and headers as long as a client cares to take, and
httptools takes them at any size (a client could send nothing, or one header line of
64 MB, and hold the connection and the memory). Here:

- **Time**: the line and headers must arrive within `HEADER_TIMEOUT_SECONDS`, counted from
  when the connection opens or the request's first byte arrives, however slowly the
  bytes trickle. Then a connection that sent part of a head gets a 408 problem, one that
  sent nothing is closed. While the server itself is still answering an earlier request
  on the connection, the clock starts again rather than blame the client.
- **Size**: a head larger than `MAX_URI_LENGTH + MAX_HEADER_BYTES` and a margin for the
  separators is answered before it is complete: 414 while the request target is over
  `MAX_URI_LENGTH`, else 431, as problem+json, and the connection closed. Heads within it
  reach the app, whose own bounds answer with the same statuses (app.http.limits).

A request httptools cannot parse is a 400 problem too (uvicorn answers plain text).

The bytes are fed to the parser no more than the room left in the head at a time, so
that it never holds more. `serve` runs this protocol (`http=`).
"""

import asyncio
import secrets
from typing import Any

from starlette.types import Message
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from app.config import get_settings
from app.errors import (
    ApiError,
    HeadersTooLarge,
    MalformedRequest,
    RequestTimeout,
    UriTooLong,
    problem_response,
)
from app.http import access_log
from app.http.headers import ResponseHeaders
from app.request_context import RequestContext

SEPARATORS = 8192
"""Bytes a head may have beyond the target and header fields the app counts: the method,
the version, `: ` and line ends (four bytes a field: a couple of thousand fields)."""


class BoundedHeadProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = get_settings()
        self.timeout = settings.header_timeout_seconds
        self.max_uri = settings.max_uri_length
        self.max_head = settings.max_uri_length + settings.max_header_bytes + SEPARATORS
        self.headers_out = ResponseHeaders(settings.cache_max_age, settings.read_requires_key)
        self.log = settings.access_log
        self.head: int | None = 0
        """Bytes of the head being read; None while none is (a body, or an answer)."""
        self.begun = False
        self.fresh = False
        self.timer: asyncio.TimerHandle | None = None

    # The head's clock

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.begun = True
        if self.head is None:  # a request right after the last one, in the same bytes
            self.head, self.fresh = 0, True
        if self.timer is None:
            self._start_clock()

    def on_headers_complete(self) -> None:
        self.head = None
        self._stop_clock()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # What comes next is the next request's head; the bytes fed with this end are not
        # counted towards it (at most a read's worth more than the bound, when pipelining).
        self.head, self.begun, self.fresh = 0, False, True

    def _start_clock(self) -> None:
        self.timer = self.loop.call_later(self.timeout, self._too_slow)

    def _stop_clock(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _too_slow(self) -> None:
        self.timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._start_clock()  # the server is still answering: not the client's doing
            return
        if not self.begun:
            self.transport.close()
            return
        self._refuse(
            RequestTimeout(
                f"the request's line and headers did not arrive within {self.timeout:g} s"
                " (HEADER_TIMEOUT_SECONDS)"
            )
        )

    # The head's size

    def data_received(self, data: bytes) -> None:
        while data and self.head is not None and not self.transport.is_closing():
            room = self.max_head - self.head
            if room <= 0:
                self._refuse(self._too_large())
                return
            piece, data = data[:room], data[room:]
            self.fresh = False
            super().data_received(piece)
            if self.head is not None and not self.fresh:
                self.head += len(piece)
        if data and not self.transport.is_closing():
            super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        """What httptools cannot parse: a problem too, rather than uvicorn's plain text."""
        self._refuse(MalformedRequest("the request could not be read as HTTP/1.1"))

    def _too_large(self) -> ApiError:
        if len(getattr(self, "url", b"")) > self.max_uri:
            return UriTooLong(
                f"the request target is over {self.max_uri} bytes; the limit is {self.max_uri}"
            )
        return HeadersTooLarge(f"the request's head is over {self.max_head} bytes")

    def _refuse(self, error: ApiError) -> None:
        """Answer `error` as the app would (problem+json, the usual headers) and close."""
        self._stop_clock()
        self.head = None
        request_id = secrets.token_hex(16)
        response = problem_response(error, request_id)
        response.headers["connection"] = "close"
        start: Message = {"type": "http.response.start", "status": error.status}
        start["headers"] = response.raw_headers
        self.headers_out.add(start, "", "", request_id.encode())
        lines = [STATUS_LINE[error.status]]
        for name, value in [*self.server_state.default_headers, *start["headers"]]:
            lines += [name, b": ", value, b"\r\n"]
        self.transport.write(b"".join([*lines, b"\r\n", response.body]))
        self.transport.close()
        if self.log:
            client = self.client[0] if self.client else None
            context = RequestContext(request_id)
            access_log.write(context, client, "", None, "", b"", error.status, 0.0)
