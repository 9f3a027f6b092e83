"""OpenAPI declarations shared by the routers."""

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel

from app.errors import Problem
from app.schemas.queries import NO_NUL

PathId = Annotated[str, Path(json_schema_extra={"pattern": NO_NUL})]
"""A record's id in a path: any text but NUL (an id that names nothing is a 404)."""

ETAG_HEADER = {"ETag": {"description": "Tag of this representation.", "schema": {"type": "string"}}}
LAST_MODIFIED_HEADER = {
    "Last-Modified": {
        "description": "When the data shown last changed: `If-Modified-Since` gets a 304.",
        "schema": {"type": "string"},
    }
}

EXPORT_HEADERS = {
    "Vary": {"description": "`Accept`: the format may follow it.", "schema": {"type": "string"}},
    "Link": {
        "description": 'Exports: `<url>; rel="next"` when more rows remain.',
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "Exports: when the data last changed; `If-Modified-Since` gets a 304.",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "Exports: the number of matches across all pages.",
        "schema": {"type": "integer"},
    },
    "Content-Disposition": {
        "description": 'Exports: `attachment; filename="<resource>.<format>"`.',
        "schema": {"type": "string"},
    },
}

GEOJSON_SCHEMA = {
    "type": "object",
    "description": "An RFC 7946 FeatureCollection; points are `[longitude, latitude]`.",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}

EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string", "description": "A header row, then a row each."}},
    "application/geo+json": {"schema": GEOJSON_SCHEMA},
    "application/x-ndjson": {
        "schema": {"type": "string", "description": "One JSON object (a `data` item) a line."}
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can answer, and for the
    bounds every request has (app.http.limits: 414, 431)."""
    descriptions = {
        400: "Unknown query parameter; a country, actor, location or source that names nothing"
        " (with the closest candidates) or several records; an invalid cursor; a NUL"
        " character; or a body that is not JSON",
        401: "No API key, or an unknown or revoked one (`Authorization: Bearer <key>`)",
        403: "The API key lacks the scope this operation needs",
        404: "No such resource",
        409: "Conflict with the stored record",
        412: "A precondition (`If-Match`, `If-Unmodified-Since`) does not hold: reload and retry",
        413: "Request body too large",
        414: "Request target (path and query string) too long: `MAX_URI_LENGTH`",
        415: "Request body is not JSON",
        422: "A parameter or body value is malformed or out of bounds",
        428: "`If-Match` is required: send the `ETag` of the representation you edit",
        429: "Too many failed authentications from this client: wait `Retry-After` seconds",
        431: "Request header fields too large: `MAX_HEADER_BYTES`",
        503: "The database is unavailable, or a statement ran over the time limit: "
        "retry after `Retry-After` seconds",
    }
    return {
        s: {"model": Problem, "description": descriptions[s]} for s in sorted({*statuses, 414, 431})
    }


def read_responses(
    *errors: int,
    links: dict[str, Any] | None = None,
    keyed: bool = True,
    database: bool = True,
) -> dict[int | str, dict[str, Any]]:
    """What a GET route can answer besides its 200: 304 for a matching ETag, and errors.

    `keyed`: under /v1, where READ_REQUIRES_KEY makes a key necessary (401, 403).
    `links`: OpenAPI links from the 200 to the operations its values lead to.
    `database`: it reads the database, so it answers 503 while that is unavailable.
    """
    ok: dict[str, Any] = {"headers": ETAG_HEADER}
    if links:
        ok["links"] = links
    return {
        200: ok,
        304: {
            "description": "Not modified: `If-None-Match` matched the current `ETag` (or "
            "`If-Modified-Since` is not before `Last-Modified`)."
        },
        **problem_responses(
            *errors, *((401, 403, 429) if keyed else ()), *((503,) if database else ())
        ),
    }


def list_responses(links: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """A list that can be exported: its 200 also comes as CSV, GeoJSON or NDJSON."""
    responses = read_responses(400, 422, links=links)
    responses[200].update(headers={**ETAG_HEADER, **EXPORT_HEADERS}, content=EXPORT_CONTENT)
    return responses


def next_page(operation_id: str, query: type[BaseModel], cursor: str = "cursor") -> dict[str, Any]:
    """The OpenAPI link to a list's next page: the same query, from `meta.next_cursor`."""
    same = {name: f"$request.query.{name}" for name in query.model_fields if name != cursor}
    return {
        "next": {
            "operationId": operation_id,
            "parameters": {**same, cursor: "$response.body#/meta/next_cursor"},
            "description": f"The next page (`links.next` is its URL): the same query with"
            f" `{cursor}` from `meta.next_cursor`.",
        }
    }


def link(operation_id: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to `operation_id`, its parameters taken from this exchange."""
    return {"operationId": operation_id, "parameters": parameters, "description": description}


def first_item(operation_id: str, parameter: str) -> dict[str, Any]:
    """The OpenAPI link from a list to its first item's own resource."""
    return {
        "first": link(
            operation_id, "The first item on its own.", **{parameter: "$response.body#/data/0/id"}
        )
    }


def write_responses(*errors: int) -> dict[int | str, dict[str, Any]]:
    """What a write route can answer besides its success: the key's 401/403/429, errors,
    and 503 while the database is unavailable."""
    return problem_responses(401, 403, 429, *errors, 503)
