"""The OGC API - Features documents, built from the services the JSON API uses.

Parameters arrive as the text of the query string and are checked here, so that every
invalid value is a 400 as the standard asks (`/req/core/query-param-invalid`); the
checked values then go through the list's own query model and service.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import exists, func, select
from sqlmodel import Session, col

from app.errors import BadRequest, NotFound, ProblemItem
from app.models import Incident, Location
from app.schemas.queries import OgcIncidentQuery, OgcLocationQuery, parse_bbox
from app.services import catalog, exports, incidents

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
"""`limit` defaults to 10 and is at most 10000, as in the standard's own example; a larger
value is served as 10000, not refused (`/req/core/fc-limit-response-1` C)."""

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"


# The collections


def _bbox(session: Session, *where: Any) -> list[float] | None:
    lat, lon = col(Location.latitude), col(Location.longitude)
    stmt = select(func.min(lon), func.min(lat), func.max(lon), func.max(lat)).where(
        lat.is_not(None), lon.is_not(None), *where
    )
    box = list(session.execute(stmt).one())
    return None if box[0] is None else box


def _incidents_extent(session: Session) -> dict[str, Any]:
    """The places that have incidents, and the first and last day of any incident.

    Cheap on a large record: the locations are few and each is probed by index, and the
    two dates are each one index seek (kept apart so that SQLite seeks for both).
    """
    placed = _bbox(session, exists().where(col(Incident.location_id) == Location.id))
    first = session.scalar(select(func.min(Incident.date_start)))
    last = session.scalar(select(func.max(Incident.date_end)))
    extent = _spatial(placed)
    if first is not None and last is not None:
        extent["temporal"] = {
            "interval": [[f"{first.isoformat()}T00:00:00Z", f"{last.isoformat()}T23:59:59Z"]],
            "trs": GREGORIAN,
        }
    return extent


def _locations_extent(session: Session) -> dict[str, Any]:
    return _spatial(_bbox(session))


def _spatial(box: list[float] | None) -> dict[str, Any]:
    return {} if box is None else {"spatial": {"bbox": [box], "crs": CRS84}}


def _incident(session: Session, incident_id: str) -> dict[str, Any]:
    return incidents.get_incident(session, incident_id)


def _location(session: Session, location_id: str) -> dict[str, Any]:
    return catalog.get_location(session, location_id)


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    resource: exports.Resource
    """The list service, the item shape and its point: features look as in the GeoJSON
    export, and pages come from the list's own service."""
    query: type[BaseModel]
    one: Callable[[Session, str], dict[str, Any]]
    extent: Callable[[Session], dict[str, Any]]
    temporal: bool
    """Whether `datetime` selects: locations have no time, so it matches them all."""


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            id="incidents",
            title="Incidents",
            description=(
                "Attacks, strikes, interceptions and commemorations, each at its place"
                " (a point; null where the place is not known) and over its date range."
                " Properties as in /v1/incidents; a single feature has the detail of"
                " /v1/incidents/{id}. Newest first."
            ),
            resource=exports.INCIDENTS,
            query=OgcIncidentQuery,
            one=_incident,
            extent=_incidents_extent,
            temporal=True,
        ),
        Collection(
            id="locations",
            title="Locations",
            description=(
                "The places incidents happened at, with how many incidents each holds."
                " Properties as in /v1/locations. They have no time: datetime keeps them all."
            ),
            resource=exports.LOCATIONS,
            query=OgcLocationQuery,
            one=_location,
            extent=_locations_extent,
            temporal=False,
        ),
    )
}


def collection(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        names = ", ".join(COLLECTIONS)
        raise NotFound(f"no collection {collection_id!r}: the collections are {names}")
    return found


# Parameters: the text of the query string, checked


FORMATS = ("json",)
FEATURE_FORMATS = ("json", "geojson")


def check_format(f: str | None, allowed: tuple[str, ...]) -> None:
    """`f`: JSON is the only format (GeoJSON for features), so it can only confirm it."""
    if f is not None and f not in allowed:
        raise invalid("f", "one of " + ", ".join(allowed))


def invalid(param: str, message: str) -> BadRequest:
    return BadRequest(f"{param}: {message}", [ProblemItem(param=param, message=message)])


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not re.fullmatch(r"\+?\d{1,12}", value.strip()) or int(value) < 1:
        raise invalid(
            "limit", f"a whole number, 1 or more (above {MAX_LIMIT} counts as {MAX_LIMIT})"
        )
    return min(int(value), MAX_LIMIT)


def parse_ogc_bbox(value: str | None) -> str | None:
    """`bbox` as the list filter takes it: four numbers, lon/lat in CRS84.

    Six numbers (with heights) are taken too; the heights are dropped, since every
    geometry here is a 2D point. A box across the antimeridian (west > east) is refused.
    """
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) not in (4, 6):
        raise invalid("bbox", "four numbers (or six, with heights): west,south,east,north")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    four = ",".join(parts)
    try:
        parse_bbox(four)
    except ValueError:
        message = "numbers with -180 <= west <= east <= 180 and -90 <= south <= north <= 90"
        if _numbers(parts) and float(parts[0]) > float(parts[2]):
            message = "a box across the antimeridian (west > east): ask for each side apart"
        raise invalid("bbox", message) from None
    return four


def _numbers(parts: list[str]) -> bool:
    try:
        [float(p) for p in parts]
    except ValueError:
        return False
    return True


_INSTANT = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?:(?P<h>\d{2})(?::(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)?"
    r"(?:[Zz]|[+-]\d{2}:\d{2})?)?)?"
)


def _day(text: str) -> date:
    """The calendar day of an RFC 3339 date or date-time, as written.

    The record keeps days, not times, so a time selects its whole day. Partial times
    (`2022-01-05T`, `2022-01-05T10Z`) are taken, as GDAL sends them for date fields.
    """
    match = _INSTANT.fullmatch(text)
    if match is None:
        raise ValueError(text)
    h, m, s = (int(match[k] or 0) for k in "hms")
    if h > 23 or m > 59 or s > 60:
        raise ValueError(text)
    return date.fromisoformat(match["day"])


def parse_datetime(value: str | None) -> tuple[date | None, date | None]:
    """`datetime` as the first and last day it covers; None for an open end.

    An instant (`2022-01-05`, `2022-01-05T10:00:00Z`), a closed interval
    (`2022-01-03/2022-01-05`) or a half-open one (`../2022-01-05`, `2022-01-03/..`, an
    empty end counting as open).
    """
    if value is None:
        return None, None
    ends = value.split("/")
    try:
        if len(ends) == 1:
            day = _day(value)
            return day, day
        if len(ends) == 2:
            start, end = (None if e in ("", "..") else _day(e) for e in ends)
            if start is None and end is None:
                raise invalid("datetime", "an interval needs at least one end: give a date")
            if start and end and start > end:
                raise invalid("datetime", "the interval starts after it ends")
            return start, end
    except ValueError:
        pass
    raise invalid(
        "datetime",
        "an RFC 3339 date or date-time, or an interval of them: 2022-01-05, "
        "2022-01-03/2022-01-05, ../2022-01-05 or 2022-01-03/..",
    )


# The documents


def link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


@dataclass(frozen=True)
class Urls:
    """The absolute URLs of the API's resources, as the request reached them."""

    landing: str
    api: str
    api_html: str
    conformance: str
    collections: str
    collection: Callable[[str], str]
    items: Callable[[str], str]


def landing(urls: Urls) -> dict[str, Any]:
    return {
        "title": "Incident Record: OGC API - Features",
        "description": (
            "The incidents of the record and their locations as features (points in"
            " CRS84), for GIS tools: QGIS, ArcGIS, GDAL."
        ),
        "links": [
            link(urls.landing, "self", JSON, "This document"),
            link(urls.api, "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(urls.api_html, "service-doc", HTML, "The API documentation"),
            link(urls.conformance, "conformance", JSON, "The conformance classes implemented"),
            link(urls.collections, "data", JSON, "The feature collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def collection_doc(session: Session, c: Collection, urls: Urls) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "links": [
            link(urls.collection(c.id), "self", JSON, f"The {c.id} collection"),
            link(urls.items(c.id), "items", GEOJSON, f"The {c.id}"),
        ],
        "extent": c.extent(session),
        "itemType": "feature",
        "crs": [CRS84],
    }


def collections(session: Session, urls: Urls) -> dict[str, Any]:
    return {
        "links": [link(urls.collections, "self", JSON, "The feature collections")],
        "collections": [collection_doc(session, c, urls) for c in COLLECTIONS.values()],
    }


@dataclass(frozen=True)
class ItemsPage:
    features: list[dict[str, Any]]
    number_matched: int
    next_cursor: str | None


def items(
    session: Session,
    c: Collection,
    *,
    limit: int,
    bbox: str | None,
    days: tuple[date | None, date | None],
    cursor: str | None,
) -> ItemsPage:
    """One page of features through the collection's list service and query model."""
    params: dict[str, Any] = {"limit": limit, "bbox": bbox, "cursor": cursor}
    if c.temporal:
        params["date_from"], params["date_to"] = (d and d.isoformat() for d in days)
    data, total, next_cursor = c.resource.list_page(session, c.query.model_validate(params))
    features = [c.resource.feature(item) for item in data]
    return ItemsPage(features, total.value, next_cursor)  # exact: no `q` here


def feature_collection(
    page: ItemsPage, c: Collection, urls: Urls, self_url: str, next_url: str | None
) -> dict[str, Any]:
    links = [
        link(self_url, "self", GEOJSON, "This page"),
        link(urls.collection(c.id), "collection", JSON, f"The {c.id} collection"),
    ]
    if next_url is not None:
        links.append(link(next_url, "next", GEOJSON, "The next page"))
    return {
        "type": "FeatureCollection",
        "features": page.features,
        "links": links,
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def feature(
    session: Session, c: Collection, feature_id: str, urls: Urls, self_url: str
) -> dict[str, Any]:
    body = c.resource.feature(c.one(session, feature_id))
    body["links"] = [
        link(self_url, "self", GEOJSON, "This feature"),
        link(urls.collection(c.id), "collection", JSON, f"The {c.id} collection"),
    ]
    return body
