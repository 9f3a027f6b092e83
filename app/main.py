"""The application: middleware, routers, error handlers and the OpenAPI document."""

from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from app.config import Settings, get_settings
from app.deps import API_KEY_SCHEME, check_parameters, read_access
from app.errors import PROBLEM_MEDIA_TYPE
from app.explorer import install_explorer
from app.http import limits, stack
from app.http.problems import install_error_handlers
from app.metrics import Metrics, install_metrics
from app.ogc import router as ogc
from app.routers import catalog, changes, datasets, drafts, incidents, landing, ops, quotes, stats
from app.schemas.bundle import IncidentPatch
from app.schemas.drafts import DraftRequest

DESCRIPTION = """
A structured record of armed-conflict incidents (attacks, strikes, interceptions), their
places and actors, who blamed whom, and what officials said: each fact traceable to the
exact words of the news report it came from.

Lists answer `{"data", "meta", "links"}` with keyset pagination (`limit`, `cursor`).
Filters may be repeated or comma-separated. Errors are RFC 9457 `application/problem+json`.
Every GET carries an `ETag`; send it back in `If-None-Match` to get a `304`.
`X-Record-Version` names the version of the record an answer reflects; after a write,
send the version it answered as `X-Min-Record-Version` so that no read replica behind it
answers your next read.

Reading is public (unless the server sets `READ_REQUIRES_KEY`). Writing needs an API key
with scope `write` (`incident-record keys create`), sent as `Authorization: Bearer <key>`;
PATCH and DELETE need `If-Match`. `GET /v1/changes` lists every write, in order.
"""


TAGS = [
    {"name": "discovery", "description": "Where everything is: the landing document."},
    {
        "name": "incidents",
        "description": "Attacks, strikes, interceptions: one event at one place on one date range.",
    },
    {"name": "quotes", "description": "What officials said, verbatim, with the span it has."},
    {"name": "locations", "description": "Places: bases, cities, regions, with coordinates."},
    {"name": "actors", "description": "States, forces, groups, umbrella groups, people, bodies."},
    {"name": "sources", "description": "The news reports the record is built from, and imports."},
    {"name": "vocabularies", "description": "Event types and the countries with incidents."},
    {"name": "stats", "description": "Counts and sums of incidents by time and dimension."},
    {"name": "changes", "description": "Every write, in commit order, for mirrors."},
    {"name": "operations", "description": "Health, readiness and metrics for operators."},
]


def _document(schema: dict[str, Any], read_requires_key: bool) -> dict[str, Any]:
    """Finish the generated schema where FastAPI cannot be told at the routes.

    - A route's docstring gives its summary (first line) and its description (the rest).
    - Errors are application/problem+json, which is what they are (FastAPI says JSON).
    - FastAPI documents a `422 HTTPValidationError` on every route with parameters unless the
      route declares its own; ours declare a problem+json 422 wherever one can happen, so the
      generated ones are dropped.
    - The bodies of `BODIES_READ_RAW` become components.
    - Security: FastAPI merges the scopes of an operation's dependencies and cannot make a
      requirement optional. A write needs a key (scope `write`); a read needs one (scope
      `read`) only when the server says so (`READ_REQUIRES_KEY`); the rest are open.
    """
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            summary, _, rest = operation.get("description", "").partition("\n")
            if summary:
                operation["summary"], operation["description"] = summary, rest.strip()
            responses = operation.get("responses", {})
            for status, response in list(responses.items()):
                content = response.get("content")
                if not content or status[0] not in "45":
                    continue
                schema_of = next(iter(content.values()))
                if schema_of.get("schema", {}).get("$ref") == _VALIDATION_ERROR:
                    del responses[status]
                else:
                    response["content"] = {PROBLEM_MEDIA_TYPE: schema_of}
            # Roles are for OAuth schemes in most tools: the scope is in the scheme's words.
            scopes = next((s[API_KEY_SCHEME] for s in operation.get("security", [])), None)
            key: list[dict[str, list[str]]] = [{API_KEY_SCHEME: []}]
            if scopes is None:
                operation["security"] = []
            elif "write" in scopes or read_requires_key:
                operation["security"] = key
            else:
                operation["security"] = [{}, *key]
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for model in BODIES_READ_RAW:
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in definition.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = definition
    return schema


_VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"
BODIES_READ_RAW = (IncidentPatch, DraftRequest)
"""Request bodies a route reads itself (a merge patch's nulls mean "remove"): their schemas
join the components for the routes' `openapi_extra` to refer to."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPIOffline(
        title="Incident Record API",
        version="1.0.0",
        description=DESCRIPTION,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        contact={"name": "incident-record maintainers"},
        servers=[
            {
                "url": settings.public_url or "/",
                "description": "The server that serves this document.",
            }
        ],
        root_path_in_servers=False,  # PUBLIC_URL has the path prefix, if any
        openapi_tags=TAGS,
        # The route's function name: `list_incidents`, `get_incident`, ... (what generated
        # clients call their methods).
        generate_unique_id_function=lambda route: route.name,
    )
    install_error_handlers(app)
    metrics = Metrics()
    stack.install(app, settings, metrics)
    checked = [Depends(check_parameters)]
    for module in (incidents, quotes, catalog, drafts, stats, changes, datasets):
        app.include_router(
            module.router, prefix="/v1", dependencies=[*checked, Depends(read_access)]
        )
    app.include_router(landing.router, dependencies=checked)
    app.include_router(ops.router, dependencies=checked)
    app.include_router(ogc.router)
    install_explorer(app)
    install_metrics(app, metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = _document(FastAPI.openapi(app), settings.read_requires_key)
            app.openapi_schema = limits.document(document, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
