"""`GET /metrics`: Prometheus counters and latency histograms by route template and status."""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator, metrics


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
        summary="Request counts and latency histograms, in the Prometheus text format.",
        response_class=PlainTextResponse,
        responses={200: {"description": "Prometheus text exposition format 0.0.4."}},
    )
