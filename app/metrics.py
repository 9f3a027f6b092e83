"""`GET /metrics`: Prometheus counters and latency histograms by route template and status."""

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator, metrics

from app.deps import check_parameters
from app.routers.common import problem_responses


def install_metrics(app: FastAPI) -> None:
    registry = CollectorRegistry()  # one per app: tests build many apps in one process
    instrumentator = Instrumentator(
        should_group_status_codes=False, excluded_handlers=["/metrics"], registry=registry
    )
    instrumentator.add(metrics.requests(registry=registry))
    instrumentator.add(metrics.latency(registry=registry))
    instrumentator.instrument(app).expose(
        app,
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
