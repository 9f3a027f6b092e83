"""OpenAPI declarations shared by the routers."""

from typing import Any

from app.errors import problem_responses

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


def read_responses(*errors: int) -> dict[int | str, dict[str, Any]]:
    """What a GET route can answer besides its 200: 304 for a matching ETag, and errors."""
    return {
        200: {"headers": ETAG_HEADER},
        304: {
            "description": "Not modified: `If-None-Match` matched the current `ETag` (or "
            "`If-Modified-Since` is not before `Last-Modified`)."
        },
        **problem_responses(*errors),
    }


def list_responses() -> dict[int | str, dict[str, Any]]:
    """A list that can be exported: its 200 also comes as CSV, GeoJSON or NDJSON."""
    return {
        **read_responses(400, 422),
        200: {
            "headers": {**ETAG_HEADER, **EXPORT_HEADERS},
            "content": EXPORT_CONTENT,
        },
    }


def write_responses(*errors: int) -> dict[int | str, dict[str, Any]]:
    """What a write route can answer besides its success: the key's 401/403/429, and errors."""
    return problem_responses(401, 403, 429, *errors)
