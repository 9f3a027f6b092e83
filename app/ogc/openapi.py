"""The OpenAPI 3.0 definition of the OGC API (`/req/oas30`): its own document, apart from
the 3.1 document of `/v1`, since the standard's OpenAPI class is for version 3.0.

Built from the constants the routes use (collection ids, `limit` bounds, media types),
so the two cannot disagree; `tests/test_ogc_ats.py` checks the document against the
OpenAPI 3.0 schema and the server against the document.
"""

from typing import Any

from app.errors import PROBLEM_MEDIA_TYPE
from app.ogc.service import (
    COLLECTIONS,
    CRS84,
    DEFAULT_LIMIT,
    FEATURE_FORMATS,
    FORMATS,
    GEOJSON,
    GREGORIAN,
    HTML,
    JSON,
    MAX_LIMIT,
    OPENAPI_JSON,
)


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json_body(description: str, schema: str, media_type: str = JSON) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"ETag": {"description": "Tag of this representation.", "schema": STRING}},
        "content": {media_type: {"schema": _ref("schemas", schema)}},
    }


STRING = {"type": "string"}
NUMBER_PAIR_OR_MORE = {"type": "array", "items": {"type": "number"}}

LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": STRING,
        "rel": STRING,
        "type": STRING,
        "hreflang": STRING,
        "title": STRING,
        "length": {"type": "integer"},
    },
}
LINKS = {"type": "array", "items": _ref("schemas", "link")}

EXTENT = {
    "type": "object",
    "description": "Where and when the collection's features are: one bbox, one interval.",
    "properties": {
        "spatial": {
            "type": "object",
            "properties": {
                "bbox": {
                    "type": "array",
                    "minItems": 1,
                    "items": {**NUMBER_PAIR_OR_MORE, "minItems": 4, "maxItems": 4},
                },
                "crs": {"type": "string", "enum": [CRS84]},
            },
        },
        "temporal": {
            "type": "object",
            "properties": {
                "interval": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "string", "format": "date-time", "nullable": True},
                    },
                },
                "trs": {"type": "string", "enum": [GREGORIAN]},
            },
        },
    },
}

COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string", "enum": list(COLLECTIONS)},
        "title": STRING,
        "description": STRING,
        "links": LINKS,
        "extent": _ref("schemas", "extent"),
        "itemType": {"type": "string", "enum": ["feature"]},
        "crs": {"type": "array", "items": STRING},
    },
}

POINT = {
    "type": "object",
    "description": "A point `[longitude, latitude]` (CRS84), or null where the place is unknown.",
    "nullable": True,
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {**NUMBER_PAIR_OR_MORE, "minItems": 2, "maxItems": 2},
    },
}

FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": STRING,
        "geometry": _ref("schemas", "pointGeoJSON"),
        "properties": {
            "type": "object",
            "description": "The record as in /v1 (its JSON shape is in /openapi.json).",
        },
        "links": LINKS,
    },
}

FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
        "links": LINKS,
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
    },
}

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": STRING,
        "title": STRING,
        "status": {"type": "integer"},
        "detail": STRING,
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {"param": STRING, "field": STRING, "message": STRING},
            },
        },
    },
}

SCHEMAS = {
    "link": LINK,
    "landingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {"title": STRING, "description": STRING, "links": LINKS},
    },
    "confClasses": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": STRING}},
    },
    "collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": LINKS,
            "collections": {"type": "array", "items": _ref("schemas", "collection")},
        },
    },
    "collection": COLLECTION,
    "extent": EXTENT,
    "pointGeoJSON": POINT,
    "featureGeoJSON": FEATURE,
    "featureCollectionGeoJSON": FEATURE_COLLECTION,
    "problem": PROBLEM,
}


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
        **extra,
    }


PARAMETERS = {
    "collectionId": {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "description": "The collection: " + ", ".join(COLLECTIONS) + ".",
        "schema": {"type": "string", "enum": list(COLLECTIONS)},
    },
    "featureId": {
        "name": "featureId",
        "in": "path",
        "required": True,
        "description": "The record's id, as in /v1.",
        "schema": STRING,
    },
    "limit": _query(
        "limit",
        f"Features per page: 1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}. A larger value is"
        f" served as {MAX_LIMIT}. Follow the `next` link for the following page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    ),
    "bbox": _query(
        "bbox",
        "Only features whose point is inside the box (edges included), plus those with no"
        " point: `west,south,east,north` in CRS84 longitude/latitude. Six numbers (with"
        " heights) are accepted and the heights ignored. A box across the antimeridian"
        " (west > east) is refused with a 400.",
        {
            "type": "array",
            "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
            "items": {"type": "number"},
        },
    ),
    "datetime": _query(
        "datetime",
        "Only incidents whose date range intersects this RFC 3339 date, date-time or"
        " interval (`2022-01-05`, `2022-01-03/2022-01-05`, `../2022-01-05`,"
        " `2022-01-03/..`), as `date_from`/`date_to` do in /v1. The record keeps days:"
        " a date-time selects its calendar day as written. Locations have no time, so it"
        " keeps them all.",
        STRING,
    ),
    "cursor": _query(
        "cursor",
        "Opaque: the position after the previous page, from its `next` link.",
        STRING,
    ),
    "f": _query("f", "The format: JSON.", {"type": "string", "enum": list(FORMATS)}),
    "fFeatures": _query(
        "f",
        "The format: GeoJSON (`json` means it too).",
        {"type": "string", "enum": list(FEATURE_FORMATS)},
    ),
}

RESPONSES = {
    "NotModified": {"description": "`If-None-Match` matched the current `ETag`."},
    "InvalidParameter": {
        "description": "An unknown query parameter, or a parameter with an invalid value.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "problem")}},
    },
    "NotFound": {
        "description": "No such collection or feature.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "problem")}},
    },
    "Unauthorized": {
        "description": "An unknown or revoked API key; or none, where the server requires one"
        " (READ_REQUIRES_KEY).",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "problem")}},
    },
    "TooManyFailedAuthentications": {
        "description": "Too many unknown or revoked keys from this client: retry after"
        " `Retry-After` seconds.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "problem")}},
    },
    "ServerError": {
        "description": "The server could not answer (e.g. the database is unreachable).",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "problem")}},
    },
}


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    ok: dict[str, Any],
    parameters: list[str],
    *,
    data: bool = False,
    protected: bool = True,
    keys_required: bool,
) -> dict[str, Any]:
    """A GET; `data` for the collection routes (404 for an unknown one), `protected` for
    those that check a key: one that is sent always, and its absence when READ_REQUIRES_KEY
    is set (then the key is required, else optional)."""
    responses: dict[str, Any] = {
        "200": ok,
        "304": _ref("responses", "NotModified"),
        "400": _ref("responses", "InvalidParameter"),
    }
    if data:
        responses["404"] = _ref("responses", "NotFound")
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["Data" if data else "Capabilities"],
        "parameters": [_ref("parameters", p) for p in parameters],
        "security": [],
    }
    if protected:
        responses["401"] = _ref("responses", "Unauthorized")
        responses["429"] = _ref("responses", "TooManyFailedAuthentications")
        key: dict[str, list[str]] = {"bearer": []}
        operation["security"] = [key] if keys_required else [{}, key]
    responses["default"] = _ref("responses", "ServerError")
    operation["responses"] = responses
    return {"get": operation}


def document(server_url: str, *, keys_required: bool) -> dict[str, Any]:
    """The definition, for a server at `server_url` (the OGC base URL, `.../ogc`)."""

    def op(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return _operation(*args, keys_required=keys_required, **kwargs)

    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Incident Record: OGC API - Features",
            "version": "1.0.0",
            "description": (
                "The incidents of the record and their locations as OGC API - Features"
                " (Part 1: Core, GeoJSON, OpenAPI 3.0). CRS84 only. The rest of the API is"
                " described at /openapi.json."
            ),
            "license": {
                "name": "Apache-2.0",
                "url": "https://www.apache.org/licenses/LICENSE-2.0",
            },
            "contact": {"name": "incident-record maintainers"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "Capabilities", "description": "What the API offers, and how."},
            {"name": "Data", "description": "The collections and their features."},
        ],
        "paths": {
            "/": op(
                "getLandingPage",
                "The landing page: links to the API definition, conformance and data.",
                "Where a GIS client starts: links to this definition (`service-desc`, and"
                " `service-doc` as a page), the conformance declaration and the collections.",
                _json_body("The landing page.", "landingPage"),
                ["f"],
            ),
            "/api": op(
                "getAPIDefinition",
                "This API definition (OpenAPI 3.0).",
                "This document, for a server at the URL in `servers`. Never needs a key.",
                {
                    "description": "The API definition.",
                    "content": {OPENAPI_JSON: {"schema": {"type": "object"}}},
                },
                ["f"],
                protected=False,
            ),
            "/api.html": op(
                "getAPIDocumentation",
                "This API definition as an HTML page (Swagger UI).",
                "Swagger UI on this definition, where each operation can be tried.",
                {"description": "The documentation.", "content": {HTML: {"schema": STRING}}},
                [],
                protected=False,
            ),
            "/conformance": op(
                "getConformanceDeclaration",
                "The conformance classes this API implements.",
                "OGC API - Features Part 1: Core, GeoJSON and OpenAPI 3.0.",
                _json_body("The conformance declaration.", "confClasses"),
                ["f"],
            ),
            "/collections": op(
                "getCollections",
                "The feature collections, with their extents.",
                "The incidents and the locations of the record, each with the box and the"
                " days its features cover.",
                _json_body("The collections.", "collections"),
                ["f"],
            ),
            "/collections/{collectionId}": op(
                "describeCollection",
                "One feature collection, with its extent.",
                "Its title, description, extent and links to its items.",
                _json_body("The collection.", "collection"),
                ["collectionId", "f"],
                data=True,
            ),
            "/collections/{collectionId}/items": op(
                "getFeatures",
                "A page of a collection's features, selected by bbox and datetime.",
                "GeoJSON features in the order of /v1, `limit` at a time; the `next` link"
                " gives the following page, `numberMatched` the total.",
                _json_body("The features (GeoJSON).", "featureCollectionGeoJSON", GEOJSON),
                ["collectionId", "limit", "bbox", "datetime", "cursor", "fFeatures"],
                data=True,
            ),
            "/collections/{collectionId}/items/{featureId}": op(
                "getFeature",
                "One feature.",
                "The record with this id as a GeoJSON feature: its point (null where the"
                " place is unknown) and its fields as in /v1.",
                _json_body("The feature (GeoJSON).", "featureGeoJSON", GEOJSON),
                ["collectionId", "featureId", "fFeatures"],
                data=True,
            ),
        },
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from `incident-record keys create`.",
                }
            },
        },
    }
    return doc
