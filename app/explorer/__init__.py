"""The explorer: HTML pages over the public API, served by the app itself.

`GET /explore` (map, timeline and table, its state in the query string with the API's own
parameter names), `GET /explore/incidents/{id}` and `GET /explore/sources/{id}` (the text
with every excerpt and quote highlighted); `GET /explore/new` and
`GET /explore/sources/{id}/edit` (an article's records reviewed and submitted, `review.js`).
Each page is written on the server from the
services the API's routes call (`records.py`, templates in `pages/`), so it reads in full
without JavaScript (curl, an archive, a citation tool); small ES modules under
`static/js/` then enhance it, reading `/v1/...` like any other client: the map, the
timeline, more rows, the record behind a highlight. Every script, style, icon and map
outline is under `static/` (third-party files in `static/vendor/`, written by
`scripts/vendor_explorer.py`), so the pages work with no network beyond this server, and
no page holds an inline script or event handler: a strict `script-src 'self'` suffices.
"""

import posixpath
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app import vocab
from app.countries import country_name, to_alpha2
from app.deps import SessionDep
from app.drafting import DRAFT
from app.errors import ApiError, NotFound
from app.explorer import records
from app.services import catalog
from app.services.pagination import Total

HERE = Path(__file__).parent
STATIC = HERE / "static"

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
ORDER = {
    "-date": "newest first",
    "date": "oldest first",
    "-fatalities": "most fatalities first",
    "fatalities": "fewest fatalities first",
    "updated_at": "least recently updated first",
}
GEO_PRECISION = {1: "exact", 2: "near", 3: "region"}
RELATIONS = {
    "anniversary_of": "is on the anniversary of",
    "retaliation_for": "is retaliation for",
    "response_to": "responds to",
    "part_of": "is part of",
}
# The incident fields with a row of their own on its page (the rest are shown further down).
SHOWN_FIELDS = (
    "date_start date_end date_precision time_of_day event_type sub_event_type location_id"
    " admin1 country fatalities injuries damage weapons claimed"
).split()


# How the pages write values: as static/js/format.js does, so that rows the scripts add
# look like the rows written here.


def day(iso: Any) -> str:
    if not iso:
        return ""
    y, m, d = (int(p) for p in str(iso).split("-"))
    return f"{d} {MONTHS[m - 1]} {y}"


def dates(incident: dict[str, Any]) -> str:
    """An incident's dates as precise as the record says they are."""
    start, end, precision = incident["date_start"], incident["date_end"], incident["date_precision"]
    span = day(start) if start == end else f"{day(start)} – {day(end)}"
    y, m = (int(p) for p in start.split("-")[:2])
    return {
        "day": span,
        "week": f"week of {day(start)}",
        "month": f"{MONTHS[m - 1]} {y}",
        "year": str(y),
        "approximate": f"about {span}",
    }.get(precision, span)


def count(n: int) -> str:
    return f"{n:,}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{count(n)} {one if n == 1 else many or one + 's'}"


def matched(total: Total) -> str:
    """How many incidents match: "at least" where the total is a lower bound."""
    exactly = plural(total.value, "incident")
    return exactly if total.exact else f"at least {exactly}"


def claims(attributed: Iterable[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Who an incident is attributed to, each actor once with the stances taken."""
    by_actor: dict[str, tuple[str, list[str]]] = {}
    for a in attributed:
        name, stances = by_actor.setdefault(a["actor_id"], (a["actor_name"], []))
        if a["stance"] not in stances:
            stances.append(a["stance"])
    return list(by_actor.values())


def _quote(value: str) -> str:
    return quote(value, safe="!~*'()")  # as encodeURIComponent


IMPORTS = re.compile(
    r'^import [^;]*? from "(\.{1,2}/[^"]+)";|\bimport\("(\.{1,2}/[^"]+)"\)', re.MULTILINE
)


@cache
def modules(script: str) -> tuple[str, ...]:
    """The modules `static/js/{script}.js` imports, and those they import, as paths under
    `static/`: the page names them all (`modulepreload`), so that the browser fetches them
    at once rather than a level of imports after another. Those imported as the page runs
    (`import()`, the map's library) too: fetched early, they are run only when imported."""
    found: list[str] = []
    waiting = [f"js/{script}.js"]
    while waiting:
        importer = waiting.pop()
        for names in IMPORTS.findall((STATIC / importer).read_text(encoding="utf-8")):
            name = names[0] or names[1]
            path = posixpath.normpath(posixpath.join(posixpath.dirname(importer), name))
            if path not in found:
                found.append(path)
                waiting.append(path)
    return tuple(found)


PAGES = Environment(
    loader=FileSystemLoader(HERE / "pages"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
PAGES.globals.update(
    day=day,
    dates=dates,
    count=count,
    plural=plural,
    matched=matched,
    claims=claims,
    quote=_quote,
    label=lambda value: str(value or "").replace("_", " "),
    geo_precision=lambda p: GEO_PRECISION.get(p, "precision not given"),
    relation=lambda r: RELATIONS.get(r, f"is {r.replace('_', ' ')} of"),
    dict_by_id=lambda items: {item["id"]: item for item in items},
    explore_href=lambda name, value: f"/explore?{urlencode({name: value})}",
    reader_href=lambda source_id, key: f"/explore/sources/{_quote(source_id)}#{key}",
    incident_href=records.incident_href,
    modules=modules,
    SHOWN_FIELDS=SHOWN_FIELDS,
)


def _html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(PAGES.get_template(template).render(**context), status)


def _not_found(error: NotFound) -> HTMLResponse:
    return _html("not_found.html", 404, detail=error.detail, script=None)


router = APIRouter(include_in_schema=False)


@router.get("/explore")
def explore(request: Request, session: SessionDep) -> HTMLResponse:
    params = request.query_params
    table = problem = None
    try:
        table = records.table_page(session, params)
    except ApiError as error:  # the scripts show the API's own answer; so does the page
        problem = error.detail
    search = list(params.multi_items())
    others = [
        (name, value, _view([(n, v) for n, v in search if n != name]))
        for name, value in search
        if name not in records.FORM_FILTERS and name not in records.VIEW
    ]
    filters = [(n, v) for n, v in search if v != "" and n not in records.NOT_FILTERS]
    sort = params.get("sort") or "-date"
    return _html(
        "explore.html",
        script="explore",
        table=table,
        problem=problem,
        view=f"?{request.url.query}" if request.url.query else "",
        form={name: ",".join(params.getlist(name)) for name in records.FORM_FILTERS},
        countries=_countries(",".join(params.getlist("country"))),
        event_types=list(dict.fromkeys(t["event_type"] for t in catalog.event_types())),
        others=others,
        api_query=urlencode(filters),
        sort=sort,
        order_label=ORDER.get(sort, sort),
        group_by=params.get("group_by") or "",
        page_size=records.PAGE,
    )


def _countries(value: str) -> str:
    """The URL's countries by name, until the scripts read the list with their counts."""
    parts = value.split(",")
    return ", ".join(country_name(to_alpha2(part.strip())) or part for part in parts)


def _view(search: list[tuple[str, str]]) -> str:
    return f"/explore?{urlencode(search)}" if search else "/explore"


@router.get("/explore/incidents/{incident_id}")
def incident_page(request: Request, session: SessionDep, incident_id: str) -> HTMLResponse:
    try:
        page = records.incident_page(session, incident_id)
    except NotFound as error:  # a shared link to a deleted incident says so, with a 404
        return _not_found(error)
    canonical = request.url_for("incident_page", incident_id=incident_id)
    return _html("incident.html", script="incident", page=page, canonical=canonical)


@router.get("/explore/sources/{source_id}")
def source_page(request: Request, session: SessionDep, source_id: str) -> HTMLResponse:
    try:
        page = records.source_page(session, source_id)
    except NotFound as error:
        return _not_found(error)
    canonical = request.url_for("source_page", source_id=source_id)
    return _html("source.html", script="source", page=page, canonical=canonical)


# The review page's vocabularies, as the loader takes them (app.vocab), and the words that
# mark a draft's guesses (app.drafting): the page's script reads them from the page.
REVIEW_TERMS = orjson.dumps(
    {
        "event_types": {t: list(subs) for t, subs in vocab.EVENT_TYPES.items()},
        "date_precision": get_args(vocab.DatePrecision),
        "damage": get_args(vocab.Damage),
        "stance": get_args(vocab.Stance),
        "relation": get_args(vocab.Relation),
        "channel": get_args(vocab.Channel),
        "actor_kind": get_args(vocab.ActorKind),
        "location_kind": get_args(vocab.LocationKind),
        "role": get_args(vocab.Role),
        "geo_precision": {str(p): GEO_PRECISION[p] for p in get_args(vocab.GeoPrecision)},
        "draft": DRAFT,
    }
).decode()


@router.get("/explore/new")
def new_source_page() -> HTMLResponse:
    return _html("review.html", script="review", source=None, terms=REVIEW_TERMS)


@router.get("/explore/sources/{source_id}/edit")
def edit_source_page(session: SessionDep, source_id: str) -> HTMLResponse:
    try:
        source = catalog.get_source(session, source_id)
    except NotFound as error:
        return _not_found(error)
    return _html("review.html", script="review", source=source, terms=REVIEW_TERMS)


def install_explorer(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/explore/static", StaticFiles(directory=STATIC), name="explorer-static")
