"""The lists that export, and their exports as CSV, GeoJSON and NDJSON (incidents also in
UCDP GED's and ACLED's columns, `app.services.layouts`), in keyset batches.

A `Resource` is a list's registry entry: the service that answers its JSON page, the
select and order its export reads, how its rows become JSON items, and its CSV columns
(derived from its response model). `plan` works out with a few aggregate queries
everything that must be known before an export's first byte (the total, where it stops,
the next page's cursor, what its content depends on); `stream` then writes the body batch
by batch from its own session, so memory stays flat however many rows are sent.

No HTTP here: `app.http.lists` answers a list request with these.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import Any, get_args, get_origin

import orjson
from pydantic import BaseModel
from sqlalchemy import Engine, Select, not_
from sqlmodel import Session

from app.db import record_version, record_written_at
from app.encoding import to_json
from app.schemas.queries import EXPORT_MAX_LIMIT, ExportablePage, IncidentFormat
from app.schemas.resources import ActorOut, IncidentOut, LocationOut, QuoteOut
from app.services import catalog, incidents, layouts, quotes
from app.services.pagination import Order, PageResult, count

BATCH = 500
"""Rows read, hydrated and written at a time. Two batches are alive while one is sent and
the next is made; 500 peaked about 13 MiB lower than 1000 at the same speed
(bench/export_memory.py)."""


# What is exported, per resource


Getter = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Resource:
    name: str
    list_page: Callable[[Session, Any], PageResult]
    """The list itself: one page of JSON items, the total, the next cursor."""
    select: Callable[[Any], Select[Any]]
    """The matching rows of a query, unordered."""
    order: Callable[[Any], Order]
    hydrate: Callable[[Session, list[Any]], list[dict[str, Any]]]
    """The JSON list items of rows of `select`: exports carry exactly what `data` items do."""
    columns: dict[str, Getter]
    """CSV header name: value, from the JSON item (`csv_columns`)."""
    point: Getter | None
    """(longitude, latitude) of the item, or None: the GeoJSON geometry."""
    total: Callable[[Session, Any], int] | None = None
    """How to count the matches, where it is not a count of `select`. An export's total is
    exact (`X-Total-Count`): it reads its rows anyway."""
    rows: bool = False
    """`select` gives rows of columns, not ORM objects."""
    csv_hydrate: Callable[[Session, list[Any]], list[dict[str, Any]]] | None = None
    """For CSV, where `hydrate` leaves values as JSON text (CSV cells need the values)."""
    csv_note: str = ""
    """How its list columns line up, for the documentation."""
    layouts: tuple[str, ...] = ()
    """The publishers' column layouts it also exports in (`app.services.layouts`)."""

    def feature(self, item: dict[str, Any]) -> dict[str, Any]:
        """An item as a GeoJSON Feature: the record id, its point or null, the record."""
        point = self.point(item) if self.point else None
        return {
            "type": "Feature",
            "id": item["id"],
            "geometry": None if point is None else {"type": "Point", "coordinates": point},
            "properties": item,
        }


LAST = "updated_at"
"""The CSV column that ends every header, after the provenance (`notes`, `added`)."""


def csv_columns(
    model: type[BaseModel], flattened: dict[str, dict[str, Getter]] | None = None
) -> dict[str, Getter]:
    """The CSV columns of the JSON items of `model`, in the order of its fields (but
    `LAST`): a column per field, a column per field of a record (`span` as `span_start`,
    `span_end`), or the columns `flattened` gives for the field. A list of records needs
    its columns given: there is no one way to flatten it."""
    flattened = flattened or {}
    columns: dict[str, Getter] = {}
    for name, field in model.model_fields.items():
        record = _record_in(field.annotation)
        if name in flattened:
            columns |= flattened[name]
        elif record is None:
            columns[name] = itemgetter(name)
        elif get_origin(field.annotation) is list:
            raise TypeError(f"{model.__name__}.{name}: say how its CSV columns flatten it")
        else:
            columns |= {f"{name}_{sub}": _of(name, sub) for sub in record.model_fields}
    columns[LAST] = columns.pop(LAST)
    return columns


def _record_in(annotation: Any) -> type[BaseModel] | None:
    """The model of the record(s) a field holds (`Span`, `LocationRef | None`, `list[...]`)."""
    for kind in (annotation, *get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return kind
    return None


def _each(key: str, field: str) -> Getter:
    return lambda item: [entry[field] for entry in item[key]]


def _of(key: str, field: str) -> Getter:
    return lambda item: None if item[key] is None else item[key][field]


def _per_actor(field: str) -> Getter:
    """`field` of each actor an incident is attributed to, once per actor (in the order
    first attributed), however many attributions name it."""
    return lambda item: list({a["actor_id"]: a[field] for a in item["attributed_to"]}.values())


def _weapons(item: dict[str, Any]) -> list[str]:
    return [
        w["kind"] if w["quantity"] is None else f"{w['kind']}:{w['quantity']}"
        for w in item["weapons"]
    ]


def _lon_lat(place: dict[str, Any] | None) -> tuple[float, float] | None:
    if place is None or place["longitude"] is None or place["latitude"] is None:
        return None
    return place["longitude"], place["latitude"]


INCIDENT_FLATTENED: dict[str, dict[str, Getter]] = {
    "location": {
        "location_id": _of("location", "id"),
        "location_name": _of("location", "name"),
        "latitude": _of("location", "latitude"),
        "longitude": _of("location", "longitude"),
        "geo_precision": _of("location", "geo_precision"),
    },
    "weapons": {"weapons": _weapons},
    "attributed_to": {
        "attributed_to": _per_actor("actor_id"),
        "attributed_to_names": _per_actor("actor_name"),
        "attribution_stances": _each("attributed_to", "stance"),
        "attributed_by": _each("attributed_to", "by_actor_id"),
    },
}
"""The incident's CSV columns that are not a field each (`csv_columns`)."""

INCIDENTS = Resource(
    name="incidents",
    list_page=incidents.list_incidents,
    select=incidents.incidents_select,
    order=incidents.order_of,
    hydrate=incidents.incidents_out,
    columns=csv_columns(IncidentOut, INCIDENT_FLATTENED),
    point=lambda item: _lon_lat(item["location"]),
    total=lambda session, query: incidents.count_incidents(session, query, exact=True).value,
    rows=True,
    csv_hydrate=partial(incidents.incidents_out, parsed=True),
    csv_note=(
        " (`attributed_to` and `attributed_to_names` give each actor once, in the order first"
        " attributed, and align; `attribution_stances` and `attributed_by` give each"
        " attribution, and align)"
    ),
    layouts=tuple(layouts.LAYOUTS),
)

LOCATIONS = Resource(
    name="locations",
    list_page=catalog.list_locations,
    select=catalog.locations_select,
    order=lambda _query: catalog.LOCATION_ORDER,
    hydrate=catalog.locations_out,
    columns=csv_columns(LocationOut),
    point=_lon_lat,
    rows=True,
)

ACTORS = Resource(
    name="actors",
    list_page=catalog.list_actors,
    select=catalog.actors_select,
    order=lambda _query: catalog.ACTOR_ORDER,
    hydrate=catalog.actors_out,
    columns=csv_columns(ActorOut, {"children": {"children": _each("children", "id")}}),
    point=None,
)

QUOTES = Resource(
    name="quotes",
    list_page=quotes.list_quotes,
    select=quotes.quotes_select,
    order=lambda _query: quotes.QUOTE_ORDER,
    hydrate=quotes.quotes_out,
    columns=csv_columns(QuoteOut),
    point=None,
)


# An export


@dataclass(frozen=True)
class Export:
    """An export as known before its first byte: all that its headers say."""

    resource: Resource
    query: ExportablePage
    fmt: IncidentFormat
    order: Order
    limit: int
    total: int
    """The matches across all pages."""
    start: list[Any] | None
    """The keys of the row it continues after (its cursor), if any."""
    stop: list[Any] | None
    """The keys of its last row, when more rows remain: the next page starts after it."""
    next_cursor: str | None
    fingerprint: bytes
    """What its body depends on: the same fingerprint, the same body (its ETag)."""
    written_at: datetime | None
    """When the record was last written: when the export may last have changed (rows come
    and go, and deletes leave no `updated_at` behind; names and counts of others show)."""


def plan(
    session: Session, resource: Resource, query: ExportablePage, fmt: IncidentFormat
) -> Export:
    """The export of `query`'s matches (from its cursor) in `fmt`, up to its `limit`, which
    defaults to the most an export sends."""
    order = resource.order(query)
    limit = query.limit if "limit" in query.model_fields_set else EXPORT_MAX_LIMIT
    stmt = resource.select(query)
    start = order.start(query.cursor)
    total = resource.total(session, query) if resource.total else count(session, stmt)
    window = stmt if start is None else stmt.where(order.after(start))
    remaining = total if start is None else count(session, window)
    stop = next_cursor = None
    if remaining > limit:
        last = window.with_only_columns(*order.keys).order_by(*order.by()).offset(limit - 1)
        stop = list(session.execute(last.limit(1)).one())
        next_cursor = order.cursor(stop)
    # Every write of the record moves its version: a new version, a new fingerprint.
    fingerprint = [resource.name, fmt, limit, _normalized(query), total, record_version(session)]
    return Export(
        resource=resource,
        query=query,
        fmt=fmt,
        order=order,
        limit=limit,
        total=total,
        start=start,
        stop=stop,
        next_cursor=next_cursor,
        fingerprint=orjson.dumps(fingerprint, default=str),
        written_at=record_written_at(session),
    )


def _normalized(query: BaseModel) -> bytes:
    """The query as validated (`country=Iraq` is `IQ`), so equal queries share an ETag."""
    return orjson.dumps(
        query.model_dump(mode="json", exclude={"format", "limit"}), option=orjson.OPT_SORT_KEYS
    )


def stream(engine: Engine, export: Export) -> Iterator[bytes]:
    """The body of the export, a batch of rows at a time."""
    resource = export.resource
    cell = _defused if export.query.csv_safe else _cell
    layout = layouts.LAYOUTS.get(export.fmt)
    if layout is not None:  # CSV in a publisher's columns, from the values CSV has
        assert resource.csv_hydrate is not None, "a list with layouts has a CSV hydrate"
        rows = partial(layouts.rows, layout, resource.csv_hydrate)
        return _csv(layout.getters, _batches(engine, export, rows), cell)
    if export.fmt == "csv":
        hydrate = resource.csv_hydrate or resource.hydrate
        return _csv(resource.columns, _batches(engine, export, hydrate), cell)
    return _WRITERS[export.fmt](resource, _batches(engine, export, resource.hydrate))


def _batches(
    engine: Engine, export: Export, hydrate: Callable[[Session, list[Any]], list[dict[str, Any]]]
) -> Iterator[list[dict[str, Any]]]:
    """The export's rows as JSON items, a batch at a time.

    With a next page, the export ends exactly at the row whose key is that page's cursor,
    so pages neither overlap nor skip rows; otherwise it ends after `limit` rows. It opens
    its own session: the request's is closed by the time the body streams.
    """
    resource, order, stop = export.resource, export.order, export.stop
    with Session(engine) as session:
        stmt = resource.select(export.query)
        if stop is not None:
            stmt = stmt.where(not_(order.after(stop)))
        position, left = export.start, export.limit
        while stop is not None or left > 0:
            size = BATCH if stop is not None else min(BATCH, left)
            page = stmt if position is None else stmt.where(order.after(position))
            result = session.execute(page.order_by(*order.by()).limit(size))
            rows = list(result if resource.rows else result.scalars())
            if rows:
                yield hydrate(session, rows)
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


def _csv(
    columns: dict[str, Getter], batches: Iterator[list[dict[str, Any]]], cell: Getter
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    getters = list(columns.values())

    def drain() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(columns)
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
    "geojson": _geojson,
    "ndjson": _ndjson,
}
