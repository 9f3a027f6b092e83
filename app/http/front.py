"""The first layer every request meets and the last every response leaves.

In one pass, with one wrapper around `send`:

- the request id: a sane incoming `X-Request-ID` (1 to 128 of `A-Z a-z 0-9 . _ : @ + = / -`)
  is kept, anything else is replaced by a new one; it is sent back on every response and
  named in every problem body (app.request_context);
- the bounds on the request (app.http.limits), answered before any route runs;
- HEAD: answered as the GET it mirrors, without the body (RFC 9110 §9.3.2);
- the headers every response carries (app.http.headers);
- an unexpected error: a 500 problem, still with those headers, then raised on to the
  server, which logs it;
- the access log line (app.http.access_log) and the request's metrics (app.metrics).
"""

import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import request_context
from app.config import Settings
from app.errors import problem_response
from app.http import access_log, routes
from app.http.headers import ResponseHeaders, add_record_version
from app.http.limits import Limits
from app.http.problems import server_error
from app.metrics import Metrics

_SANE_ID = re.compile(rb"[A-Za-z0-9._:@+=/-]{1,128}")


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value.decode()
            break
    return secrets.token_hex(16)


class _BodyDropped(Exception):
    """Raised into the app once a HEAD's headers are out, so it stops producing the body."""


class FrontMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.limits = Limits(settings)
        self.headers = ResponseHeaders(settings.cache_max_age, settings.read_requires_key)
        self.log = settings.access_log
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = request_context.begin(_request_id(scope))
        request_id = request.request_id.encode()
        method, path = scope["method"], scope["path"]
        head = method == "HEAD"
        inner = {**scope, "method": "GET"} if head else scope
        status = 0
        body_sent = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, body_sent
            if message["type"] == "http.response.start":
                status = message["status"]
                self.headers.add(message, method, path, request_id)
                if request.record_version is not None:
                    add_record_version(message, request.record_version, method)
            elif head and message["type"] == "http.response.body":
                if body_sent:
                    raise _BodyDropped
                body_sent = True
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            refused = self.limits.check(scope)
            if refused is not None:
                await problem_response(refused)(inner, receive, send_wrapper)
            else:
                await self.app(inner, receive, send_wrapper)
        except _BodyDropped:
            pass
        except Exception as exc:
            if status == 0:  # nothing sent yet: the client still gets a problem (503 when
                # the database is the cause), and the connection is closed after it
                response = problem_response(server_error(exc))
                response.headers["Connection"] = "close"
                await response(inner, receive, send_wrapper)
            raise
        finally:
            seconds = time.perf_counter() - started
            route = routes.template(inner)
            self.metrics.observe(inner, route, method, status, seconds)
            if self.log:
                client = scope["client"][0] if scope.get("client") else None
                query = scope["query_string"]
                access_log.write(request, client, method, route, path, query, status, seconds)
