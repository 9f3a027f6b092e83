"""What the explorer's pages show, gathered from the services the API's routes call.

Each function returns plain data for one page's template (`pages/*.html`): the same
records, in the same JSON shapes, as `GET /v1/...` answers, so a page says what the API
says. The highlights of a source's text are worked out here (`marks.py`).
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson
from markupsafe import Markup, escape
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel import Session
from starlette.datastructures import QueryParams

from app.deps import unknown_parameter
from app.errors import BadRequest, Conflict, ProblemItem
from app.explorer.marks import Span, mark_up, sentence_around
from app.loader import export_bundle
from app.models import Source
from app.schemas.messages import message_of
from app.schemas.queries import IncidentQuery
from app.services import catalog, incidents, names
from app.services.pagination import Total

PAGE = 50  # the table's rows per page, as static/js/table.js asks them
FORM_FILTERS = ("country", "date_from", "date_to", "attributed_to", "actor", "event_type", "q")
VIEW = ("sort", "group_by")  # how to show, not what
NOT_FILTERS = {*VIEW, "limit", "cursor", "format"}
KINDS = ("quote", "attribution", "excerpt")  # the innermost kind colours a mark


def incident_href(incident_id: str) -> str:
    return f"/explore/incidents/{quote(incident_id, safe='')}"


# /explore/incidents/{id}


@dataclass
class IncidentPage:
    incident: dict[str, Any]
    place: dict[str, Any] | None
    excerpts: list[dict[str, Any]]  # each source's excerpt, marked in its sentence
    claim_sources: dict[str, str | None]  # attribution id: the source its excerpt is in


def incident_page(session: Session, incident_id: str) -> IncidentPage:
    """An incident's detail as `GET /v1/incidents/{id}` gives it (NotFound if there is
    none), its place, and the texts of its sources for its excerpts."""
    incident = orjson.loads(incidents.incident_json(session, incident_id))
    where = incident["location"]
    place = catalog.get_location(session, where["id"]) if where else None
    source_ids = dict.fromkeys(s["source_id"] for s in incident["sources"])
    texts = {sid: catalog.get_source(session, sid).text for sid in source_ids}
    excerpts = []
    for s in incident["sources"]:
        text, start, end = texts[s["source_id"]], s["span"]["start"], s["span"]["end"]
        key = f"excerpt-{incident_id}-{start}-{end}"
        mark = Markup('<mark class="excerpt" data-key="{}">').format(key)
        if text[start:end] == s["excerpt"]:
            first, last = sentence_around(text, start, end)
            words = mark_up(text, [Span(start, end, mark)], lambda span: span.data, first, last)
            html = Markup("{}{}{}").format(
                "… " if first > 0 else "", words, " …" if last < len(text) else ""
            )
        else:  # never for a record the loader wrote; said plainly if it happens
            html = Markup("{}{}</mark>").format(mark, s["excerpt"])
        excerpts.append({**s, "key": key, "html": html})
    claim_sources = {
        a["id"]: next(
            (
                sid
                for sid, text in texts.items()
                if a["span"] and text[a["span"]["start"] : a["span"]["end"]] == a["excerpt"]
            ),
            None,
        )
        for a in incident["attributions"]
    }
    return IncidentPage(incident, place, excerpts, claim_sources)


# /explore/sources/{id}


@dataclass
class Record:
    """A record with a span in a source: an incident's excerpt, a quote, or an attribution's
    excerpt, keyed as the page's links name it (`#quote-...`)."""

    kind: str
    key: str
    start: int
    end: int
    text: str
    incident: dict[str, Any] | None = None
    says: str = ""
    label: str = ""  # its entry in the list of every highlight


@dataclass
class SourcePage:
    source: Source
    text: Markup
    records: list[Record] = field(default_factory=list)
    problem: str | None = None


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else f"{text[: n - 1]}…"


def _records(bundle: dict[str, Any]) -> list[Record]:
    names = {a["id"]: a["name"] for a in bundle["actors"]}
    records = []
    for i in bundle["incidents"]:
        title = i["title"]
        for e in i["excerpts"]:
            records.append(
                Record(
                    "excerpt",
                    f"excerpt-{i['id']}-{e['start']}-{e['end']}",
                    e["start"],
                    e["end"],
                    e["text"],
                    i,
                    f"Reports the incident “{title}”",
                    f"{_short(title, 50)}: “{_short(e['text'], 40)}”",
                )
            )
        for a in i.get("attributions", []):
            if not a.get("excerpt"):
                continue
            by = a.get("by_actor_id")
            whom = names.get(a["actor_id"], a["actor_id"])
            claim = f"{names.get(by, by) if by else 'the source itself'} {a['stance']} {whom}"
            e = a["excerpt"]
            records.append(
                Record(
                    "attribution",
                    f"attribution-{a['id']}",
                    e["start"],
                    e["end"],
                    e["text"],
                    i,
                    f"Attribution: {claim} (“{title}”)",
                    _short(f"{claim}, {title}", 80),
                )
            )
    for q in bundle["quotes"]:
        speaker = names.get(q["speaker_id"], q["speaker_id"])
        records.append(
            Record(
                "quote",
                f"quote-{q['id']}",
                q["span"]["start"],
                q["span"]["end"],
                q["text"],
                says=f"Quote of {speaker}",
                label=f"{speaker}: “{_short(q['text'], 50)}”",
            )
        )
    return records


def _highlighted(text: str, records: list[Record]) -> Markup:
    """The text with one <mark> per distinct span, listing every record those words back;
    before its first element, an empty anchor per record, so `#key` links work unscripted."""
    by_span: dict[tuple[int, int], list[Record]] = {}
    for r in records:
        by_span.setdefault((r.start, r.end), []).append(r)
    anchored: set[tuple[int, int]] = set()

    def make(span: Span) -> Markup:
        group = by_span[span.data]
        kind = next(k for k in KINDS if any(r.kind == k for r in group))
        anchors = Markup("")
        if span.data not in anchored:
            anchored.add(span.data)
            anchors = Markup("").join(Markup('<span id="{}"></span>').format(r.key) for r in group)
        return anchors + Markup(
            '<mark class="{}" title="{}" data-span="{}-{}" data-records="{}">'
        ).format(
            kind,
            "\n".join(r.says for r in group),
            *span.data,
            " ".join(r.key for r in group),
        )

    return mark_up(text, [Span(s, e, (s, e)) for s, e in by_span], make)


def source_page(session: Session, source_id: str) -> SourcePage:
    """A source (NotFound if there is none) and its text with every record's words marked,
    from its bundle as `GET /v1/sources/{id}/bundle` gives it."""
    source = catalog.get_source(session, source_id)
    try:
        bundle = export_bundle(session, source_id)
    except Conflict as error:  # no stored bundle: the text, unmarked, and why
        return SourcePage(source, escape(source.text), problem=error.detail)
    records = _records(bundle)
    return SourcePage(source, _highlighted(source.text, records), records)


# /explore: the first page of the table


@dataclass
class TablePage:
    rows: list[dict[str, Any]]
    total: Total
    cursor: str | None
    sort: str


def _query(session: Session, params: QueryParams) -> IncidentQuery:
    """The list query the page's scripts send for this URL: every parameter but the
    view's, empty ones dropped, names resolved; BadRequest as the API words it."""
    fields = IncidentQuery.model_fields
    accepted = {*fields, *VIEW}
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise BadRequest.listing(
            [ProblemItem(param=name, message=unknown_parameter(name, accepted)) for name in unknown]
        )
    values: dict[str, Any] = {}
    for name in params:
        given = [v for v in params.getlist(name) if v != ""]
        if name in NOT_FILTERS - {"sort"} or not given:
            continue
        # A list filter takes every value; any other, as FastAPI reads it, the last.
        values[name] = given if isinstance(fields[name].default, list) else given[-1]
    values["limit"] = PAGE
    try:
        query = IncidentQuery.model_validate(values)
    except ValidationError as exc:
        raise BadRequest.listing([_item(e) for e in exc.errors()]) from None
    return names.resolve_query(session, query)


def _item(error: ErrorDetails) -> ProblemItem:
    """A pydantic error as the API's problem names it (app.errors, for query parameters)."""
    name, *path = error["loc"]
    message = message_of(error)
    if path:  # a bad value of a list parameter, quoted
        message = f"{error['input']!r}: {message}"
    return ProblemItem(param=(error.get("ctx") or {}).get("param") or str(name), message=message)


def table_page(session: Session, params: QueryParams) -> TablePage:
    """The table's first page for the URL's filters, through the API's list service;
    an ApiError (a bad filter, say) as the API would answer it."""
    query = _query(session, params)
    rows, total, cursor = incidents.list_incidents(session, query)
    # The rows hold their children as the JSON text the API sends: the template reads values.
    return TablePage(orjson.loads(orjson.dumps(rows)), total, cursor, query.sort)
