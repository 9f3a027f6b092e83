"""Structured access logs: one JSON object a line, a line a request, on stdout when serving.

Fields: `time` (UTC, milliseconds), `request_id` (as in `X-Request-ID`), `client`,
`method`, `route` (the template, e.g. `/v1/incidents/{incident_id}`; null when no route
answered), `path`, `query` (the query string as sent, percent-encoded), `status`,
`duration_ms` (until the last byte was handed to the server), `key` (the name of the API
key that authenticated the request, or null). Never the key, the `Authorization` header
or any other header.

`serve` sends the `app.access` logger to stdout and turns uvicorn's own text access log
off; `ACCESS_LOG=false` turns both off.
"""

import copy
import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from uvicorn.config import LOGGING_CONFIG

from app.config import Settings
from app.request_context import RequestContext

logger = logging.getLogger("app.access")


def write(
    context: RequestContext,
    client: str | None,
    method: str,
    route: str | None,
    path: str,
    query: bytes,
    status: int,
    seconds: float,
) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    record = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": context.request_id,
        "client": client,
        "method": method,
        "route": route,
        "path": path,
        "query": query.decode("latin-1"),
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "key": context.key_name,
    }
    logger.info(orjson.dumps(record).decode())


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """`uvicorn.run` options for the access log: ours as JSON lines, uvicorn's off.

    A logging configuration rather than handlers set up here, so that every worker
    process uvicorn starts configures itself the same way.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_lines"] = {"format": "%(message)s"}
    config["handlers"]["access_json"] = {
        "class": "logging.StreamHandler",
        "formatter": "json_lines",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["app.access"] = {
        "handlers": ["access_json"],
        "level": "INFO" if settings.access_log else "WARNING",
        "propagate": False,
    }
    return {"access_log": False, "log_config": config}
