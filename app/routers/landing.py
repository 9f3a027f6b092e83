"""The front door: `GET /` says where everything is; a browser is sent to a page for people."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.routing import Match

from app.http.negotiation import quality
from app.routers.common import read_responses
from app.schemas.resources import Landing

router = APIRouter(tags=["discovery"])

OGC_LANDING = "/ogc"
"""OGC API - Features (`app/ogc/`), linked whether or not this build serves it yet."""
PAGES_FOR_PEOPLE = ("/explore", "/docs")
"""Where a browser is sent: the first that the app serves, decided at request time."""


@router.get(
    "/",
    response_model=Landing,
    responses={
        **read_responses(400, keyed=False, database=False),
        303: {
            "description": "A browser (`Accept` preferring `text/html`): the page for people.",
            "headers": {
                "Location": {"description": "`/explore`, or `/docs`.", "schema": {"type": "string"}}
            },
        },
    },
)
def landing(request: Request, response: Response) -> Any:
    """Where everything is: the API's description, its documentation, each collection.

    Links follow RFC 8288 and the OGC API landing pages: `service-desc` (the OpenAPI
    document), `service-doc` (Swagger UI, ReDoc), `data` (each collection under `/v1`),
    `related` (OGC API - Features, for GIS tools), `status` (health). A browser, whose
    `Accept` prefers `text/html` to JSON, is redirected (303) to the explorer, or to
    `/docs` where there is none. Never needs a key.
    """
    root = request.scope.get("root_path", "")
    accept = request.headers.get("accept", "")
    if quality(accept, "text/html") > quality(accept, "application/json"):
        target = next(p for p in PAGES_FOR_PEOPLE if _serves(request, p))
        return RedirectResponse(root + target, status_code=303, headers={"Vary": "Accept"})
    response.headers["Vary"] = "Accept"
    app = request.app

    def link(rel: str, path: str, media_type: str, title: str) -> dict[str, str]:
        href = str(request.base_url) + path.lstrip("/")
        return {"rel": rel, "href": href, "type": media_type, "title": title}

    pages = [
        ("service-doc", "/docs", "Documentation (Swagger UI)"),
        ("service-doc", "/redoc", "Documentation (ReDoc)"),
        ("alternate", "/explore", "The explorer: map, timeline, table"),
    ]
    links = [
        link("self", "/", "application/json", "This document"),
        link("service-desc", app.openapi_url, "application/json", "The OpenAPI 3.1 document"),
        *(
            link(rel, path, "text/html", title)
            for rel, path, title in pages
            if _serves(request, path)
        ),
        *(link("data", path, "application/json", title) for path, title in _collections(app)),
        link("related", OGC_LANDING, "application/json", "OGC API - Features (QGIS, GDAL)"),
        link("status", "/healthz", "application/json", "Health: the process is up"),
        link("status", "/readyz", "application/json", "Readiness: the database answers"),
    ]
    return {
        "title": app.title,
        "description": app.description.strip().split("\n\n")[0].replace("\n", " "),
        "version": app.version,
        "links": links,
    }


def _serves(request: Request, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.routes)


def _collections(app: Any) -> list[tuple[str, str]]:
    """Each GET under /v1 without path parameters (a list, or an aggregate of one), by the
    app's own OpenAPI document, with its summary."""
    paths = app.openapi()["paths"]
    return [
        (path, operations["get"]["summary"])
        for path, operations in paths.items()
        if path.startswith("/v1/") and "{" not in path and "get" in operations
    ]
