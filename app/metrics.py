"""`GET /metrics`: Prometheus counters and latency histograms by route template and status.

The names, labels and help texts are those of prometheus-fastapi-instrumentator's default
metrics, which this app used to install. Its middleware matched every request against
every route before the request ran, and built a response object after it to read the
status (about 0.13 ms of the 1.1 to 1.5 ms a detail took in-process at 1M incidents). The
front layer (app.http.front) counts the request instead, once it is answered, by the
template of the route that answered (app.http.routes), which it works out once for the
metrics and the access log. Only a request that no route template answered (a 404, a 405,
a static file) is matched against the routes, by the instrumentator's own function.
"""

import os

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_fastapi_instrumentator.routing import get_route_name
from starlette.types import Scope

from app.deps import check_parameters
from app.routers.common import problem_responses

PATH = "/metrics"
LABELS = ("handler", "method", "status")


class Metrics:
    """One app's counts and times of the requests it answered."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()  # one per app: tests build many apps in one process
        self.requests = Counter(
            "http_requests_total",
            "Total number of requests by method, status and handler.",
            LABELS,
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Duration of HTTP requests in seconds",
            LABELS,
            registry=self.registry,
        )

    def observe(
        self, scope: Scope, handler: str | None, method: str, status: int, seconds: float
    ) -> None:
        """One request answered: `scope` after routing, the template of the route that
        answered (`app.http.routes.template`), `method` as the client sent it, the status
        sent (500 when none was)."""
        if handler is None:  # no route answered: the nearest route's path, else "none"
            # (as the request came: a mount has added its path to the root path since)
            root = scope.get("app_root_path", scope.get("root_path", ""))
            unrouted = {**scope, "root_path": root}
            handler = get_route_name(Request(unrouted), should_include_root_path=False) or "none"
        if handler == PATH:
            return
        labels = (handler, method, str(status or 500))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)


def install_metrics(app: FastAPI, counts: Metrics) -> None:
    @app.get(
        PATH,
        tags=["operations"],
        description="Request counts and latency histograms, in the Prometheus text format.\n\n"
        "`http_requests_total` and the `http_request_duration_seconds` histogram, by route "
        "template (`handler`), method and status. Never needs a key.",
        response_class=PlainTextResponse,
        responses={
            200: {"description": "Prometheus text exposition format 0.0.4."},
            **problem_responses(400),
        },
        dependencies=[Depends(check_parameters)],
    )
    def metrics() -> PlainTextResponse:
        registry = counts.registry
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several processes: their sum
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
