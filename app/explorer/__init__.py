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
from string import Template

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.deps import SessionDep
from app.errors import NotFound
from app.services import catalog, incidents

HERE = Path(__file__).parent
PAGES = HERE / "pages"
STATIC = HERE / "static"

# Each page: its title, and what its <head> loads besides the common stylesheet.
HEADS = {
    "explore": (
        "Explore the record",
        [
            '<link rel="stylesheet" href="/explore/static/vendor/leaflet/leaflet.css">',
            '<script src="/explore/static/vendor/topojson-client/topojson-client.min.js" defer>'
            "</script>",
        ],
    ),
    "incident": ("Incident", []),
    "source": ("Source", []),
    "not_found": ("Not found", []),
}

router = APIRouter(include_in_schema=False)


@cache
def _page(name: str) -> str:
    """The page `name`: its body (pages/NAME.html) in the common layout, with its module."""
    title, head = HEADS[name]
    head = [*head, '<link rel="stylesheet" href="/explore/static/explorer.css">']
    if (STATIC / "js" / f"{name}.js").exists():
        head.append(f'<script type="module" src="/explore/static/js/{name}.js"></script>')
    layout = Template((PAGES / "layout.html").read_text(encoding="utf-8"))
    body = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    return layout.substitute(title=title, head="\n".join(head), body=body)


def _html(name: str) -> HTMLResponse:
    return HTMLResponse(_page(name))


def _not_found(error: NotFound) -> HTMLResponse:
    return HTMLResponse(_page("not_found").replace("{detail}", escape(error.detail)), 404)


@router.get("/explore")
def explore() -> HTMLResponse:
    return _html("explore")


@router.get("/explore/incidents/{incident_id}")
def incident_page(session: SessionDep, incident_id: str) -> HTMLResponse:
    try:
        incidents.get_incident(session, incident_id)
    except NotFound as error:  # a shared link to a deleted incident says so, with a 404
        return _not_found(error)
    return _html("incident")


@router.get("/explore/sources/{source_id}")
def source_page(session: SessionDep, source_id: str) -> HTMLResponse:
    try:
        catalog.get_source(session, source_id)
    except NotFound as error:
        return _not_found(error)
    return _html("source")


def install_explorer(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/explore/static", StaticFiles(directory=STATIC), name="explorer-static")
