"""OGC API - Features at `/ogc`: thin routes over `app.ogc.service`.

Described by its own OpenAPI 3.0 document (`/ogc/api`), so these routes stay out of
the 3.1 document of `/v1`. Parameters are plain text here and checked by the service:
the standard wants a 400 for every invalid value.
"""

from html import escape
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from app.db import record_version
from app.deps import SessionDep, SettingsDep, check_parameters, read_access
from app.encoding import to_json
from app.http.etag import weak_etag_for
from app.ogc import openapi, service
from app.ogc.service import FEATURE_FORMATS, FORMATS, GEOJSON, JSON, OPENAPI_JSON

router = APIRouter(prefix="/ogc", include_in_schema=False, dependencies=[Depends(check_parameters)])
READ = [Depends(read_access)]
"""Like /v1, the data needs a key when READ_REQUIRES_KEY is set; the API docs stay open."""

Text = Annotated[str | None, Query()]


def _answer(body: Any, media_type: str = JSON) -> Response:
    return Response(to_json(body), media_type=media_type)


def _urls(request: Request) -> service.Urls:
    def url(name: str, **params: str) -> str:
        return str(request.url_for(name, **params))

    return service.Urls(
        landing=url("ogc_landing"),
        api=url("ogc_api"),
        api_html=url("ogc_api_html"),
        conformance=url("ogc_conformance"),
        collections=url("ogc_collections"),
        collection=lambda c: url("ogc_collection", collection_id=c),
        items=lambda c: url("ogc_items", collection_id=c),
    )


@router.get("/api", name="ogc_api")
def api(request: Request, settings: SettingsDep, f: Text = None) -> Response:
    service.check_format(f, FORMATS)
    server = str(request.url_for("ogc_landing"))
    document = openapi.document(server, keys_required=settings.read_requires_key)
    return _answer(document, OPENAPI_JSON)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Incident Record: OGC API - Features</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" href="{favicon}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"""
SCRIPT = (Path(__file__).parent / "api.js").read_bytes()


@router.get("/api.html", name="ogc_api_html")
def api_html(request: Request) -> HTMLResponse:
    """Swagger UI on the definition, started by `/ogc/api.js`: the page runs no inline
    script, so its Content-Security-Policy forbids them (app.http.headers)."""

    def url(name: str, **params: str) -> str:
        return escape(str(request.url_for(name, **params)))

    def static(name: str) -> str:
        return url("static-offline-docs", path=name)

    page = PAGE.format(
        css=static("swagger-ui.css"),
        favicon=static("favicon.png"),
        openapi=url("ogc_api"),
        bundle=static("swagger-ui-bundle.js"),
        start=url("ogc_api_script"),
    )
    return HTMLResponse(page)


@router.get("/api.js", name="ogc_api_script")
def api_script() -> Response:
    return Response(SCRIPT, media_type="text/javascript")


@router.get("", name="ogc_landing", dependencies=READ)
@router.get("/", name="ogc_landing_slash", dependencies=READ)
def landing(request: Request, f: Text = None) -> Response:
    service.check_format(f, FORMATS)
    return _answer(service.landing(_urls(request)))


@router.get("/conformance", name="ogc_conformance", dependencies=READ)
def conformance(f: Text = None) -> Response:
    service.check_format(f, FORMATS)
    return _answer(service.conformance())


@router.get("/collections", name="ogc_collections", dependencies=READ)
def collections(request: Request, session: SessionDep, f: Text = None) -> Response:
    service.check_format(f, FORMATS)
    return _answer(service.collections(session, _urls(request)))


@router.get("/collections/{collection_id}", name="ogc_collection", dependencies=READ)
def collection(
    request: Request, session: SessionDep, collection_id: str, f: Text = None
) -> Response:
    found = service.collection(collection_id)
    service.check_format(f, FORMATS)
    return _answer(service.collection_doc(session, found, _urls(request)))


@router.get("/collections/{collection_id}/items", name="ogc_items", dependencies=READ)
def items(
    request: Request,
    session: SessionDep,
    collection_id: str,
    limit: Text = None,
    bbox: Text = None,
    datetime: Text = None,
    cursor: Text = None,
    f: Text = None,
) -> Response:
    found = service.collection(collection_id)
    service.check_format(f, FEATURE_FORMATS)
    page = service.items(
        session,
        found,
        limit=service.parse_limit(limit),
        bbox=service.parse_ogc_bbox(bbox),
        days=service.parse_datetime(datetime),
        cursor=cursor,
    )
    after = page.next_cursor and str(request.url.include_query_params(cursor=page.next_cursor))
    body = service.feature_collection(page, found, _urls(request), str(request.url), after)
    # `timeStamp` is when the page was made, so a hash of the body would differ every
    # second: the tag is the exports' weak one, of what the page depends on (its URL and
    # the record's version; pages that differ only in their stamp are equivalent, RFC 9110
    # §8.8.1), so `If-None-Match` still gets its 304.
    tag = weak_etag_for(to_json([str(request.url), record_version(session)]))
    return Response(to_json(body), media_type=GEOJSON, headers={"ETag": tag})


@router.get(
    "/collections/{collection_id}/items/{feature_id}", name="ogc_feature", dependencies=READ
)
def feature(
    request: Request, session: SessionDep, collection_id: str, feature_id: str, f: Text = None
) -> Response:
    found = service.collection(collection_id)
    service.check_format(f, FEATURE_FORMATS)
    body = service.feature(session, found, feature_id, _urls(request), str(request.url))
    return _answer(body, GEOJSON)
