"""The middleware, in order: `install` is the one place that says what wraps what.

From the outside in:

0. `CancelledRequests` (app.http.shutdown): a request cut off by shutdown answers a 503 problem
   if nothing was sent yet.
1. `ProxyHeadersMiddleware` (uvicorn's, app.http.proxy), only with FORWARDED_ALLOW_IPS:
   the client and scheme a trusted proxy reports, before anything reads them.
2. `FrontMiddleware` (app.http.front): request id, request bounds, HEAD, the headers of
   every response, 500s, the access log and the metrics (app.metrics). Outermost of the
   rest, so that every answer, the refusals of the layers below included, leaves with its
   request id and headers, and is counted.
3. `PublicOrigin` (app.http.proxy): hosts outside ALLOWED_HOSTS refused; PUBLIC_URL.
4. CORS (Starlette's, its refusals as problems: app.http.cors): before our conditional
   layer, so that a 304 carries the CORS headers the 200 would have; answers preflights.
5. `RepresentationMiddleware` (app.http.representation): ETag, gzip, 304 and 412.
6. `ReadQueue` (app.http.read_queue): reads of the database take turns (READ_CONCURRENCY);
   innermost, so that the layers above work on other requests meanwhile.
"""

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import Settings
from app.http.auth_limit import FailedAuthLimiter
from app.http.cors import Cors
from app.http.front import FrontMiddleware
from app.http.proxy import PublicOrigin
from app.http.read_queue import ReadQueue
from app.http.representation import RepresentationMiddleware
from app.http.shutdown import CancelledRequests
from app.metrics import Metrics


def install(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    # add_middleware wraps what is there: the innermost layer is added first.
    app.add_middleware(ReadQueue, size=settings.reads_at_once)
    app.add_middleware(RepresentationMiddleware, minimum_size=1024)
    app.add_middleware(
        Cors,
        allow_origins=settings.cors_origins,
        allow_methods=settings.cors_methods,
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "If-Modified-Since",
            "If-Unmodified-Since",
            "X-Request-ID",
            "X-Min-Record-Version",
        ],
        expose_headers=[
            "ETag",
            "Link",
            "X-Total-Count",
            "Content-Disposition",
            "Location",
            "X-Request-ID",
            "Retry-After",
            "X-Record-Version",
        ],
        max_age=600,
    )
    app.add_middleware(PublicOrigin, settings=settings)
    app.add_middleware(FrontMiddleware, settings=settings, metrics=metrics)
    if settings.forwarded_allow_ips:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    # Outermost: a request cut off by shutdown gets a 503 problem, if nothing was sent.
    app.add_middleware(CancelledRequests)
    app.state.failed_auth = FailedAuthLimiter(
        settings.auth_failure_limit, settings.auth_failure_window
    )
