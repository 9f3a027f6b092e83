"""A list request, answered one way: its JSON page, or its export in the format asked for.

A list route hands its query and its resource's registry entry (`app.services.exports`)
to `list_or_export`; the format comes from `format` or `Accept` (`negotiate`); the JSON
page is the resource's own list service, an export `app.services.exports.plan` and
`stream`. What is HTTP (headers, the URL of the next page, the response) is here; the
services take plain values and return plain data.
"""

import inspect
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.encoding import MEDIA_TYPE, to_json
from app.errors import InvalidValue, ProblemItem
from app.http.etag import http_date, weak_etag_for
from app.http.negotiation import weighted
from app.schemas.queries import (
    EXPORT_MAX_LIMIT,
    JSON_MAX_LIMIT,
    ExportablePage,
    Format,
    IncidentFormat,
)
from app.services import exports, names
from app.services.exports import Resource
from app.services.pagination import Total

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "ndjson": "application/x-ndjson",
    "ucdp-ged": "text/csv; charset=utf-8",
    "acled": "text/csv; charset=utf-8",
}
_ACCEPTED: dict[str, Format] = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "text/csv": "csv",
    "application/geo+json": "geojson",
    "application/x-ndjson": "ndjson",
}


def list_or_export(
    request: Request, session: Session, resource: Resource, query: ExportablePage
) -> Response:
    """The JSON page of a list, or its export when the request asks for another format
    (its filters that name records resolved to ids first)."""
    query = names.resolve_query(session, query)
    fmt = negotiate(request, query)
    if fmt != "json":
        return export(request, session, resource, query, fmt)
    data, total, cursor = resource.list_page(session, query)
    body = list_body(request, data, total, query.limit, cursor)
    return Response(to_json(body), media_type=MEDIA_TYPE, headers={"Vary": "Accept"})


def list_body(
    request: Request, data: list[Any], total: Total, limit: int, next_cursor: str | None
) -> dict[str, Any]:
    """A list's JSON: the page's items, their total and next cursor, and its links."""
    url = request.url
    meta = {"total": total.value, "total_relation": total.relation, "limit": limit}
    return {
        "data": data,
        "meta": meta | {"next_cursor": next_cursor},
        "links": {
            "self": str(url),
            "next": str(url.include_query_params(cursor=next_cursor)) if next_cursor else None,
        },
    }


def negotiate(request: Request, query: ExportablePage) -> IncidentFormat:
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


def export(
    request: Request,
    session: Session,
    resource: Resource,
    query: ExportablePage,
    fmt: IncidentFormat,
) -> StreamingResponse:
    """The streamed export, with its headers worked out before the first row is read.

    Its rows come from the database server the headers were read from (a replica, or the
    primary), so the stop key and the total are that server's.
    """
    found = exports.plan(session, resource, query, fmt)
    headers = {"Vary": "Accept", "X-Total-Count": str(found.total)}
    if found.next_cursor is not None:
        after = request.url.include_query_params(cursor=found.next_cursor, format=fmt)
        headers["Link"] = f'<{after}>; rel="next"'
    headers["ETag"] = weak_etag_for(found.fingerprint)
    # A layout is CSV: `incidents-acled.csv`.
    file_name = (
        f"{resource.name}-{fmt}.csv" if fmt in resource.layouts else f"{resource.name}.{fmt}"
    )
    headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    if found.written_at is not None:
        headers["Last-Modified"] = http_date(found.written_at)
    body = exports.stream(session.get_bind().engine, found)
    return StreamingResponse(body, headers=headers, media_type=MEDIA_TYPES[fmt])


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

- CSV columns (header row, in this order): {columns}. Lists are `;`-joined{resource.csv_note};
  null is an empty cell; booleans are `true`/`false`.
- GeoJSON: a FeatureCollection; each feature's `id` is the record id, `properties` the
  record as in JSON, and `geometry` {geometry}.
- NDJSON: one JSON object per line, exactly as the JSON list's `data` items.
"""
        )
        if resource.layouts:
            names = " or ".join(f"`format={name}`" for name in resource.layouts)
            route.__doc__ += (
                f"- {names}: CSV in the columns of UCDP GED's or ACLED's files, the same rows, "
                f"as `{resource.name}-ucdp-ged.csv` or `{resource.name}-acled.csv`. An "
                "imported row gives back its own values; the id column (`id`, "
                "`event_id_cnty`) holds the record's id where the row is not that "
                "publisher's; what a record does not have is an empty cell.\n"
            )
        return route

    return decorate
