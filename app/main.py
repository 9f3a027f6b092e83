"""The application: middleware, routers, error handlers and the OpenAPI document."""

from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from app.config import Settings, get_settings
from app.deps import check_parameters, read_access
from app.errors import PROBLEM_MEDIA_TYPE, install_error_handlers
from app.explorer import install_explorer
from app.http import limits, stack
from app.metrics import install_metrics
from app.ogc import router as ogc
from app.routers import catalog, changes, incidents, ops, quotes, stats

DESCRIPTION = """
A structured record of armed-conflict incidents (attacks, strikes, interceptions), their
places and actors, who blamed whom, and what officials said: each fact traceable to the
exact words of the news report it came from.

Lists answer `{"data", "meta", "links"}` with keyset pagination (`limit`, `cursor`).
Filters may be repeated or comma-separated. Errors are RFC 9457 `application/problem+json`.
Every GET carries an `ETag`; send it back in `If-None-Match` to get a `304`.

Reading is public (unless the server sets `READ_REQUIRES_KEY`). Writing needs an API key
with scope `write` (`incident-record keys create`), sent as `Authorization: Bearer <key>`;
PATCH and DELETE need `If-Match`. `GET /v1/changes` lists every write, in order.
"""


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    """Finish the generated schema.

    A route's docstring gives its summary (first line) and its contract (the rest); errors
    are documented as application/problem+json, which is what they are.
    """
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            summary, _, rest = operation.get("description", "").partition("\n")
            if summary:
                operation["summary"], operation["description"] = summary, rest.strip()
            for status, response in operation.get("responses", {}).items():
                content = response.get("content")
                if status[0] in "45" and content:
                    schema_of = next(iter(content.values()))
                    response["content"] = {PROBLEM_MEDIA_TYPE: schema_of}
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPIOffline(
        title="Incident Record API",
        version="1.0.0",
        description=DESCRIPTION,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    settings = settings or get_settings()
    install_error_handlers(app)
    stack.install(app, settings)
    checked = [Depends(check_parameters)]
    for module in (incidents, quotes, catalog, stats, changes):
        app.include_router(
            module.router, prefix="/v1", dependencies=[*checked, Depends(read_access)]
        )
    app.include_router(ops.router, dependencies=checked)
    app.include_router(ogc.router)
    install_explorer(app)
    install_metrics(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = limits.document(_document(FastAPI.openapi(app)), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
