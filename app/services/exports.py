"""Exports of the lists as CSV, GeoJSON and NDJSON, streamed in keyset batches.

An export takes the list's filters, sort and cursor. Everything that must be known before
the first byte (the total, the next page's cursor, the ETag) is computed up front with a
few aggregate queries; then the body is written batch by batch from its own session, so
memory stays flat however many rows are sent.
"""

import csv
import inspect
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Engine, Select, not_
from sqlmodel import Session, col
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.db import record_version, record_written_at
from app.encoding import MEDIA_TYPE, to_json
from app.errors import InvalidValue, ProblemItem
from app.http.etag import http_date, weak_etag_for
from app.http.negotiation import weighted
from app.models import Actor, Location, Quote
from app.schemas.queries import EXPORT_MAX_LIMIT, JSON_MAX_LIMIT, ExportablePage, Format
from app.services import catalog, incidents, quotes
from app.services.pagination import (
    PageResult,
    after,
    count,
    decode_cursor,
    encode_cursor,
    list_body,
)

BATCH = 500
"""Rows read, hydrated and written at a time. Two batches are alive while one is sent and
the next is made; 500 peaked about 13 MiB lower than 1000 at the same speed
(bench/export_memory.py)."""

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "ndjson": "application/x-ndjson",
}
_ACCEPTED: dict[str, Format] = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "text/csv": "csv",
    "application/geo+json": "geojson",
    "application/x-ndjson": "ndjson",
}


def negotiate(request: Request, query: ExportablePage) -> Format:
    """The format asked for: `format` if given, else the best `Accept` match, else JSON.

    JSON pages stay at most 1000 rows; only exports go up to 100000.
    """
    fmt = query.format or _from_accept(request.headers.get("accept", ""))
    if fmt == "json" and query.limit > JSON_MAX_LIMIT:
        message = (
            f"at most {JSON_MAX_LIMIT} for JSON; exports (format=csv, geojson or ndjson)"
            f" allow up to {EXPORT_MAX_LIMIT}"
        )
        raise InvalidValue(f"limit: {message}", [ProblemItem(param="limit", message=message)])
    return fmt


def _from_accept(accept: str) -> Format:
    best: Format = "json"
    best_q = 0.0
    for media, q in weighted(accept):
        fmt = _ACCEPTED.get(media)
        if fmt is not None and q > best_q:
            best, best_q = fmt, q
    return best


# What is exported, per resource


Getter = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Order:
    sort: str
    keys: list[Any]
    types: list[type]
    desc: bool
    key_of: Callable[[Any], list[Any]]

    def by(self) -> list[Any]:
        return [k.desc() if self.desc else k.asc() for k in self.keys]


@dataclass(frozen=True)
class Resource:
    name: str
    select: Callable[[Any], Select[Any]]
    """The matching rows of a query, unordered."""
    order: Callable[[Any], Order]
    hydrate: Callable[[Session, list[Any]], list[dict[str, Any]]]
    """The JSON list items of rows of `select`: exports carry exactly what `data` items do."""
    columns: dict[str, Getter]
    """CSV header name: value, from the JSON item."""
    point: Getter | None
    """(longitude, latitude) of the item, or None: the GeoJSON geometry."""
    total: Callable[[Session, Any], int] | None = None
    """How to count the matches, where it is not a count of `select`."""
    rows: bool = False
    """`select` gives rows of columns, not ORM objects."""
    csv_hydrate: Callable[[Session, list[Any]], list[dict[str, Any]]] | None = None
    """For CSV, where `hydrate` leaves values as JSON text (CSV cells need the values)."""

    def feature(self, item: dict[str, Any]) -> dict[str, Any]:
        """An item as a GeoJSON Feature: the record id, its point or null, the record."""
        point = self.point(item) if self.point else None
        return {
            "type": "Feature",
            "id": item["id"],
            "geometry": None if point is None else {"type": "Point", "coordinates": point},
            "properties": item,
        }


def _by_id(model: Any) -> Callable[[Any], Order]:
    return lambda _query: Order("id", [col(model.id)], [str], False, lambda row: [row.id])


def _incident_order(query: Any) -> Order:
    keys, types, desc = incidents.order_of(query)
    return Order(query.sort, keys, types, desc, lambda row: incidents.sort_key(query.sort, row))


def _plain(*names: str) -> dict[str, Getter]:
    return {name: itemgetter(name) for name in names}


def _each(key: str, field: str) -> Getter:
    return lambda item: [entry[field] for entry in item[key]]


def _of(key: str, field: str) -> Getter:
    return lambda item: None if item[key] is None else item[key][field]


def _weapons(item: dict[str, Any]) -> list[str]:
    return [
        w["kind"] if w["quantity"] is None else f"{w['kind']}:{w['quantity']}"
        for w in item["weapons"]
    ]


def _lon_lat(place: dict[str, Any] | None) -> tuple[float, float] | None:
    if place is None or place["longitude"] is None or place["latitude"] is None:
        return None
    return place["longitude"], place["latitude"]


PROVENANCE = _plain("notes", "added", "updated_at")

INCIDENTS = Resource(
    name="incidents",
    select=incidents.incidents_select,
    order=_incident_order,
    hydrate=incidents.incidents_out,
    columns={
        **_plain("id", "title", "summary", "date_start", "date_end", "date_precision"),
        **_plain("time_of_day", "event_type", "sub_event_type", "country", "country_name"),
        **_plain("admin1"),
        "location_id": _of("location", "id"),
        "location_name": _of("location", "name"),
        "latitude": _of("location", "latitude"),
        "longitude": _of("location", "longitude"),
        "geo_precision": _of("location", "geo_precision"),
        **_plain("fatalities", "injuries", "damage"),
        "weapons": _weapons,
        "attributed_to": _each("attributed_to", "actor_id"),
        "attributed_to_names": _each("attributed_to", "actor_name"),
        "attribution_stances": _each("attributed_to", "stance"),
        "attributed_by": _each("attributed_to", "by_actor_id"),
        **_plain("claimed", "source_ids"),
        **PROVENANCE,
    },
    point=lambda item: _lon_lat(item["location"]),
    total=incidents.count_incidents,
    rows=True,
    csv_hydrate=partial(incidents.incidents_out, parsed=True),
)

LOCATIONS = Resource(
    name="locations",
    select=catalog.locations_select,
    order=_by_id(Location),
    hydrate=catalog.locations_out,
    columns={
        **_plain("id", "name", "aliases", "kind", "country", "country_name", "admin1"),
        **_plain("latitude", "longitude", "geo_precision", "incident_count"),
        **PROVENANCE,
    },
    point=_lon_lat,
)

ACTORS = Resource(
    name="actors",
    select=catalog.actors_select,
    order=_by_id(Actor),
    hydrate=catalog.actors_out,
    columns={
        **_plain("id", "name", "aliases", "kind", "country", "country_name", "parent_id"),
        "children": _each("children", "id"),
        **_plain("description", "incident_count"),
        **PROVENANCE,
    },
    point=None,
)

QUOTES = Resource(
    name="quotes",
    select=quotes.quotes_select,
    order=_by_id(Quote),
    hydrate=quotes.quotes_out,
    columns={
        **_plain("id", "text", "speaker_id", "speaker_name", "speaker_title", "said_on"),
        **_plain("channel", "source_id"),
        "span_start": lambda item: item["span"]["start"],
        "span_end": lambda item: item["span"]["end"],
        "incident_ids": itemgetter("incident_ids"),
        **PROVENANCE,
    },
    point=None,
)


def documented(resource: Resource) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Append the export formats and CSV columns to a list route's docstring (its OpenAPI)."""

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        columns = ", ".join(f"`{c}`" for c in resource.columns)
        geometry = (
            "a Point `[longitude, latitude]`, or null where the place has no coordinates"
            if resource.point
            else "null (these records have no place)"
        )
        route.__doc__ = (
            inspect.cleandoc(route.__doc__ or "")
            + f"""

**Exports.** `format=csv|geojson|ndjson`, or `Accept: text/csv`, `application/geo+json`,
`application/x-ndjson` (`format` wins), streams every match with the same filters and sort:
`limit` defaults to {EXPORT_MAX_LIMIT} (its maximum). When more rows remain, `Link:
<url>; rel="next"` gives the next page (same cursor as JSON); `X-Total-Count` is the number
of matches. Sent as an attachment named `{resource.name}.csv`, `.geojson` or `.ndjson`.

- CSV columns (header row, in this order): {columns}. Lists are `;`-joined (parallel
  columns such as `attributed_to` and `attribution_stances` align); null is an empty cell;
  booleans are `true`/`false`.
- GeoJSON: a FeatureCollection; each feature's `id` is the record id, `properties` the
  record as in JSON, and `geometry` {geometry}.
- NDJSON: one JSON object per line, exactly as the JSON list's `data` items.
"""
        )
        return route

    return decorate


# Answering an export


def list_or_export(
    request: Request,
    response: Response,
    session: Session,
    engine: Engine,
    resource: Resource,
    query: ExportablePage,
    list_page: Callable[[Session, Any], PageResult],
) -> Any:
    """The JSON page of a list, or its export when the request asks for another format."""
    fmt = negotiate(request, query)
    if fmt != "json":
        return export(request, session, engine, resource, query, fmt)
    data, total, cursor = list_page(session, query)
    body = list_body(request, data, total, query.limit, cursor)
    return Response(to_json(body), media_type=MEDIA_TYPE, headers={"Vary": "Accept"})


def export(
    request: Request,
    session: Session,
    engine: Engine,
    resource: Resource,
    query: ExportablePage,
    fmt: Format,
) -> StreamingResponse:
    """The streamed export, with its headers worked out before the first row is read."""
    order = resource.order(query)
    limit = query.limit if "limit" in query.model_fields_set else EXPORT_MAX_LIMIT
    stmt = resource.select(query)
    start = decode_cursor(query.cursor, order.sort, order.types) if query.cursor else None
    total = resource.total(session, query) if resource.total else count(session, stmt)
    window = stmt if start is None else stmt.where(after(order.keys, start, order.desc))
    remaining = total if start is None else count(session, window)
    stop = None
    headers = {"Vary": "Accept", "X-Total-Count": str(total)}
    if remaining > limit:
        last = window.with_only_columns(*order.keys).order_by(*order.by()).offset(limit - 1)
        stop = list(session.execute(last.limit(1)).one())
        cursor = encode_cursor(order.sort, stop)
        headers["Link"] = (
            f'<{request.url.include_query_params(cursor=cursor, format=fmt)}>; rel="next"'
        )
    # Every write of the record moves its version: a new version, a new tag.
    fingerprint = [resource.name, fmt, limit, _normalized(query), total, record_version(session)]
    headers["ETag"] = weak_etag_for(orjson.dumps(fingerprint, default=str))
    headers["Content-Disposition"] = f'attachment; filename="{resource.name}.{fmt}"'
    # The last write of the record is when the export may last have changed: rows come and
    # go (deletes leave no updated_at behind), and names and counts of others show in it.
    written = record_written_at(session)
    if written is not None:
        headers["Last-Modified"] = http_date(written)
    batches = _batches(engine, resource, query, order, start, stop, limit, fmt == "csv")
    write = _WRITERS[fmt] if fmt != "csv" or not query.csv_safe else _safe_csv
    return StreamingResponse(write(resource, batches), headers=headers, media_type=MEDIA_TYPES[fmt])


def _normalized(query: BaseModel) -> bytes:
    """The query as validated (`country=Iraq` is `IQ`), so equal queries share an ETag."""
    return orjson.dumps(
        query.model_dump(mode="json", exclude={"format", "limit"}), option=orjson.OPT_SORT_KEYS
    )


def _batches(
    engine: Engine,
    resource: Resource,
    query: Any,
    order: Order,
    start: list[Any] | None,
    stop: list[Any] | None,
    limit: int,
    parsed: bool,
) -> Iterator[list[dict[str, Any]]]:
    """The export's rows as JSON items, a batch at a time.

    With a next page, the export ends exactly at the row whose key is that page's cursor,
    so pages neither overlap nor skip rows; otherwise it ends after `limit` rows. It opens
    its own session: the request's is closed by the time the body streams.
    """
    csv_hydrate = resource.csv_hydrate or resource.hydrate
    with Session(engine) as session:
        stmt = resource.select(query)
        if stop is not None:
            stmt = stmt.where(not_(after(order.keys, stop, order.desc)))
        position, left = start, limit
        while stop is not None or left > 0:
            size = BATCH if stop is not None else min(BATCH, left)
            page = stmt if position is None else stmt.where(after(order.keys, position, order.desc))
            result = session.execute(page.order_by(*order.by()).limit(size))
            rows = list(result if resource.rows else result.scalars())
            if rows:
                yield (csv_hydrate if parsed else resource.hydrate)(session, rows)
            if len(rows) < size:
                return
            position, left = order.key_of(rows[-1]), left - len(rows)
            session.expunge_all()  # nothing from this batch is needed again


# Writers: each turns the batches into byte chunks, one per batch.


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # as in JSON: RFC 3339 in UTC
        return to_json(value).decode().strip('"')
    if isinstance(value, list):
        return ";".join(str(_cell(v)) for v in value)
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection")."""


def _defused(value: Any) -> Any:
    """The cell as `csv_safe=true` writes it: text a spreadsheet would run, quoted by `'`."""
    value = _cell(value)
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _safe_csv(resource: Resource, batches: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    return _csv(resource, batches, cell=_defused)


def _csv(
    resource: Resource, batches: Iterator[list[dict[str, Any]]], cell: Getter = _cell
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    getters = list(resource.columns.values())

    def drain() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(resource.columns)
    yield drain()
    for batch in batches:
        writer.writerows([cell(get(item)) for get in getters] for item in batch)
        yield drain()


def _geojson(resource: Resource, batches: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":[\n'
    separator = b""
    for batch in batches:
        chunk = []
        for item in batch:
            chunk.append(separator + to_json(resource.feature(item)))
            separator = b",\n"
        yield b"".join(chunk)
    yield b"\n]}\n"


def _ndjson(_: Resource, batches: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    for batch in batches:
        yield b"".join(to_json(item) + b"\n" for item in batch)


_WRITERS: dict[str, Callable[[Resource, Iterator[list[dict[str, Any]]]], Iterator[bytes]]] = {
    "csv": _csv,
    "geojson": _geojson,
    "ndjson": _ndjson,
}
