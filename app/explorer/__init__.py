"""The explorer: HTML pages over the public API, served by the app itself.

`GET /explore` (map, timeline and table, its state in the query string with the API's own
parameter names), `GET /explore/incidents/{id}` and `GET /explore/sources/{id}` (the text
with every excerpt and quote highlighted). The pages are static HTML; small ES modules
under `static/js/` read `/v1/...` like any other client. Every script, style, icon and
map outline is under `static/` (third-party files in `static/vendor/`, written by
`scripts/vendor_explorer.py`), so the pages work with no network beyond this server, and
no page holds an inline script or event handler: a strict `script-src 'self'` suffices.
"""

from functools import cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.deps import SessionDep
from app.errors import NotFound
from app.services import catalog, incidents

HERE = Path(__file__).parent
PAGES = HERE / "pages"
STATIC = HERE / "static"

router = APIRouter(include_in_schema=False)


@cache
def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _html(name: str) -> HTMLResponse:
    return HTMLResponse(_page(name))


def _not_found(error: NotFound) -> HTMLResponse:
    return HTMLResponse(_page("not_found.html").replace("{detail}", escape(error.detail)), 404)


@router.get("/explore")
def explore() -> HTMLResponse:
    return _html("explore.html")


@router.get("/explore/incidents/{incident_id}")
def incident_page(session: SessionDep, incident_id: str) -> HTMLResponse:
    try:
        incidents.get_incident(session, incident_id)
    except NotFound as error:  # a shared link to a deleted incident says so, with a 404
        return _not_found(error)
    return _html("incident.html")


@router.get("/explore/sources/{source_id}")
def source_page(session: SessionDep, source_id: str) -> HTMLResponse:
    try:
        catalog.get_source(session, source_id)
    except NotFound as error:
        return _not_found(error)
    return _html("source.html")


def install_explorer(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/explore/static", StaticFiles(directory=STATIC), name="explorer-static")
