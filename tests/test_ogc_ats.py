"""The abstract test suite of OGC API - Features - Part 1: Core (OGC 17-069r4, Annex A),
ported to pytest, against /ogc: the Core, GeoJSON and OpenAPI 3.0 conformance classes.

The OGC's own executable suite (Java, TEAM Engine) cannot be fetched here, so each abstract
test is one function below, registered under its identifier: `pytest -k fc-bbox-response`
runs one. Where a test says to validate against the standard's schema documents, the
schemas below transcribe their constraints (with the later correction that a GeoJSON
`geometry` may be null, as RFC 7946 allows). Expected results come from the data itself
(every feature fetched, then filtered here), not from the server's answer.
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_openapi
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import Engine

from app.config import Settings
from app.loader import import_bundle
from app.ogc import service
from tests.conftest import client_for, migrated_engine
from tests.helpers_bundles import bundle, span
from tests.helpers_server import free_port
from tests.helpers_writes import new_key

BASE = "/ogc"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"

# The abstract tests of the three classes, in the order of Annex A.
EXPECTED = [
    "/conf/core/http",
    "/conf/core/crs84",
    "/conf/core/root-op",
    "/conf/core/root-success",
    "/conf/core/api-definition-op",
    "/conf/core/api-definition-success",
    "/conf/core/conformance-op",
    "/conf/core/conformance-success",
    "/conf/core/fc-md-op",
    "/conf/core/fc-md-success",
    "/conf/core/fc-md-links",
    "/conf/core/fc-md-items",
    "/conf/core/fc-md-items-links",
    "/conf/core/fc-md-extent",
    "/conf/core/sfc-md-op",
    "/conf/core/sfc-md-success",
    "/conf/core/fc-op",
    "/conf/core/fc-bbox-definition",
    "/conf/core/fc-bbox-response",
    "/conf/core/fc-limit-definition",
    "/conf/core/fc-limit-response",
    "/conf/core/fc-time-definition",
    "/conf/core/fc-time-response",
    "/conf/core/query-param-invalid",
    "/conf/core/query-param-unknown",
    "/conf/core/fc-response",
    "/conf/core/fc-links",
    "/conf/core/fc-timeStamp",
    "/conf/core/fc-numberMatched",
    "/conf/core/fc-numberReturned",
    "/conf/core/f-op",
    "/conf/core/f-success",
    "/conf/core/f-links",
    "/conf/geojson/definition",
    "/conf/geojson/content",
    "/conf/oas30/completeness",
    "/conf/oas30/exceptions-codes",
    "/conf/oas30/oas-definition-1",
    "/conf/oas30/oas-definition-2",
    "/conf/oas30/oas-impl",
    "/conf/oas30/security",
]


# The standard's schema documents (openapi/schemas/*.yaml of 17-069r4), as constraints.

_STR = {"type": "string"}
_LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
OGC_SCHEMAS: dict[str, Any] = {
    "link": {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {"href": _STR, "rel": _STR, "type": _STR, "hreflang": _STR, "title": _STR},
    },
    "landingPage": {"type": "object", "required": ["links"], "properties": {"links": _LINKS}},
    "confClasses": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": _STR}},
    },
    "collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": _LINKS,
            "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}},
        },
    },
    "collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": _STR,
            "title": _STR,
            "description": _STR,
            "links": _LINKS,
            "extent": {"$ref": "#/components/schemas/extent"},
            "itemType": _STR,
            "crs": {"type": "array", "items": _STR},
        },
    },
    "extent": {
        "type": "object",
        "properties": {
            "spatial": {
                "type": "object",
                "properties": {
                    "bbox": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "array",
                            "oneOf": [
                                {"minItems": 4, "maxItems": 4},
                                {"minItems": 6, "maxItems": 6},
                            ],
                            "items": {"type": "number"},
                        },
                    },
                    "crs": {"type": "string", "enum": [CRS84]},
                },
            },
            "temporal": {
                "type": "object",
                "properties": {
                    "interval": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "array",
                            "minItems": 2,
                            "maxItems": 2,
                            "items": {"type": "string", "format": "date-time", "nullable": True},
                        },
                    },
                    "trs": {
                        "type": "string",
                        "enum": ["http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"],
                    },
                },
            },
        },
    },
    "featureCollectionGeoJSON": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/featureGeoJSON"}},
            "links": _LINKS,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    },
    "featureGeoJSON": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": {"$ref": "#/components/schemas/pointGeoJSON"},
            "properties": {"type": "object", "nullable": True},
            "id": {"oneOf": [_STR, {"type": "integer"}]},
            "links": _LINKS,
        },
    },
    # Of the GeoJSON geometries, the one these collections hold.
    "pointGeoJSON": {
        "type": "object",
        "nullable": True,
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "minItems": 2, "items": {"type": "number"}},
        },
    },
}


def conforms(document: Any, schema: str) -> None:
    root = {"$ref": f"#/components/schemas/{schema}", "components": {"schemas": OGC_SCHEMAS}}
    OAS30Validator(root).validate(document)


# The client side of the tests


@dataclass
class Ogc:
    """The API under test, and what some tests need besides: a database of their own."""

    client: TestClient
    backend: str
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(BASE + path, params=params)

    def ok(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def follow(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def pages(self, collection: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of the items, following `next` links."""
        page = self.ok(f"/collections/{collection}/items", **params)
        while True:
            yield page
            after = links(page, "next")
            if not after:
                return
            response = self.follow(after[0]["href"])
            assert response.status_code == 200, response.text
            page = response.json()

    def features(self, collection: str, **params: Any) -> list[dict[str, Any]]:
        """Every feature, on as many pages as it takes (one, unless `limit` is given)."""
        params.setdefault("limit", service.MAX_LIMIT)
        return [f for page in self.pages(collection, **params) for f in page["features"]]

    def collection_ids(self) -> list[str]:
        return [c["id"] for c in self.ok("/collections")["collections"]]

    def landing_link(self, rel: str) -> dict[str, Any]:
        (link,) = links(self.ok("/"), rel)
        return link

    def api(self) -> dict[str, Any]:
        response = self.follow(self.landing_link("service-desc")["href"])
        assert response.status_code == 200, response.text
        return response.json()

    def apart(self, settings: Settings | None = None) -> "Apart":
        """A database of this backend of its own: for records the seed does not have."""
        return Apart(self.backend, self.tmp_path, settings)


class Apart:
    def __init__(self, backend: str, tmp_path: Path, settings: Settings | None) -> None:
        self._engine = migrated_engine(backend, tmp_path)
        self._settings = settings

    def __enter__(self) -> tuple[Engine, TestClient]:
        engine = self._engine.__enter__()
        return engine, client_for(engine, self._settings)

    def __exit__(self, *exc: object) -> None:
        self._engine.__exit__(None, None, None)


def links(document: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    return [link for link in document["links"] if link["rel"] == rel]


def ids(features: list[dict[str, Any]]) -> set[str]:
    return {f["id"] for f in features}


def in_box(feature: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    """The oracle of bbox: the point is inside (edges included), or there is none."""
    if feature["geometry"] is None:
        return True
    lon, lat = feature["geometry"]["coordinates"]
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def in_time(feature: dict[str, Any], first: date | None, last: date | None) -> bool:
    """The oracle of datetime: the incident's days intersect first..last."""
    start = date.fromisoformat(feature["properties"]["date_start"])
    end = date.fromisoformat(feature["properties"]["date_end"])
    return (first is None or end >= first) and (last is None or start <= last)


def unplaced_bundle() -> dict[str, Any]:
    """The test article, plus a place without coordinates and an incident with no place."""
    data = bundle()
    data["locations"].append(
        {
            "id": "somewhere",
            "name": "Somewhere",
            "kind": "city",
            "country": "Iraq",
            "geo_precision": 3,
        }
    )
    excerpt = span("Rockets hit Fort Nowhere in Examplestan on Monday, 2 March 2099.")
    for incident_id, location_id in (("test-vague", "somewhere"), ("test-nowhere", None)):
        data["incidents"].append(
            {
                **data["incidents"][0],
                "id": incident_id,
                "location_id": location_id,
                "excerpts": [excerpt],
                "attributions": [],
            }
        )
    return data


ATS: dict[str, Callable[[Ogc], None]] = {}


def abstract_test(ats_id: str) -> Callable[[Callable[[Ogc], None]], Callable[[Ogc], None]]:
    def register(test: Callable[[Ogc], None]) -> Callable[[Ogc], None]:
        ATS[ats_id] = test
        return test

    return register


# Core: general


@abstract_test("/conf/core/http")
def http_1_1(ogc: Ogc) -> None:
    """Over a socket, as uvicorn serves it, every advertised path answers in HTTP/1.1."""
    with served(ogc.client.app) as base_url, httpx.Client(base_url=base_url, timeout=10) as http:
        landing = http.get(BASE)
        paths = [BASE, *(link["href"] for link in landing.json()["links"])]
        for path in [*paths, f"{BASE}/collections/incidents/items"]:
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.http_version == "HTTP/1.1"


@contextmanager
def served(app: Any) -> Iterator[str]:
    """`app` on a free port of 127.0.0.1, by uvicorn in a thread, as `serve` runs it."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@abstract_test("/conf/core/crs84")
def crs84(ogc: Ogc) -> None:
    """Every geometry is CRS84 longitude/latitude, whatever the request."""
    for collection in ogc.collection_ids():
        for feature in ogc.features(collection):
            if feature["geometry"] is not None:
                lon, lat = feature["geometry"]["coordinates"]
                assert -180 <= lon <= 180
                assert -90 <= lat <= 90
    # Longitude first: Ain al-Asad air base is at 42.44 E, 33.79 N.
    base = ogc.ok("/collections/locations/items/ain-al-asad-air-base")
    lon, lat = base["geometry"]["coordinates"]
    assert (round(lon), round(lat)) == (42, 34)


# Core: landing page, API definition, conformance


@abstract_test("/conf/core/root-op")
def root_op(ogc: Ogc) -> None:
    for path in ("", "/"):
        assert ogc.get(path).status_code == 200
    ATS["/conf/core/root-success"](ogc)


@abstract_test("/conf/core/root-success")
def root_success(ogc: Ogc) -> None:
    landing = ogc.ok("/")
    conforms(landing, "landingPage")
    rels = {link["rel"] for link in landing["links"]}
    assert rels & {"service-desc", "service-doc"}
    assert {"conformance", "data"} <= rels
    assert ogc.landing_link("conformance")["href"].endswith("/ogc/conformance")
    assert ogc.landing_link("data")["href"].endswith("/ogc/collections")


@abstract_test("/conf/core/api-definition-op")
def api_definition_op(ogc: Ogc) -> None:
    for rel in ("service-desc", "service-doc"):
        link = ogc.landing_link(rel)
        response = ogc.follow(link["href"], headers={"Accept": link["type"]})
        assert response.status_code == 200
    ATS["/conf/core/api-definition-success"](ogc)


@abstract_test("/conf/core/api-definition-success")
def api_definition_success(ogc: Ogc) -> None:
    """Each definition, asked for in the media type of its link, comes in that type."""
    desc = ogc.landing_link("service-desc")
    response = ogc.follow(desc["href"], headers={"Accept": desc["type"]})
    assert response.headers["content-type"] == desc["type"] == OPENAPI_30
    validate_openapi(response.json())
    doc = ogc.landing_link("service-doc")
    page = ogc.follow(doc["href"], headers={"Accept": doc["type"]})
    assert page.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in page.text
    assert str(ogc.client.base_url.join(BASE + "/api")) in page.text  # it documents this API


@abstract_test("/conf/core/conformance-op")
def conformance_op(ogc: Ogc) -> None:
    for url in (ogc.landing_link("conformance")["href"], BASE + "/conformance"):
        assert ogc.follow(url).status_code == 200
    ATS["/conf/core/conformance-success"](ogc)


@abstract_test("/conf/core/conformance-success")
def conformance_success(ogc: Ogc) -> None:
    declaration = ogc.ok("/conformance")
    conforms(declaration, "confClasses")
    assert CORE in declaration["conformsTo"]
    # Every class the API implements (each has its port in this module), and no other.
    assert sorted(declaration["conformsTo"]) == sorted(
        f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}"
        for name in ("core", "geojson", "oas30")
    )
    assert {ats_id.split("/")[2] for ats_id in ATS} == {"core", "geojson", "oas30"}


# Core: collections


@abstract_test("/conf/core/fc-md-op")
def fc_md_op(ogc: Ogc) -> None:
    assert ogc.get("/collections").status_code == 200
    ATS["/conf/core/fc-md-success"](ogc)


@abstract_test("/conf/core/fc-md-success")
def fc_md_success(ogc: Ogc) -> None:
    collections = ogc.ok("/collections")
    conforms(collections, "collections")
    ATS["/conf/core/fc-md-links"](ogc)
    ATS["/conf/core/fc-md-items"](ogc)
    for c in collections["collections"]:
        assert c["crs"][0] == CRS84


@abstract_test("/conf/core/fc-md-links")
def fc_md_links(ogc: Ogc) -> None:
    collections = ogc.ok("/collections")
    (self_link,) = links(collections, "self")
    assert self_link["type"] == "application/json"
    assert ogc.follow(self_link["href"]).json() == collections
    # JSON is the only format offered, so there is no `alternate` to list.
    assert links(collections, "alternate") == []
    assert all({"rel", "type"} <= set(link) for link in collections["links"])


@abstract_test("/conf/core/fc-md-items")
def fc_md_items(ogc: Ogc) -> None:
    collections = ogc.ok("/collections")["collections"]
    assert [c["id"] for c in collections] == ["incidents", "locations"]
    for c in collections:
        conforms(c, "collection")
        assert c["id"]
    ATS["/conf/core/fc-md-items-links"](ogc)
    ATS["/conf/core/fc-md-extent"](ogc)


@abstract_test("/conf/core/fc-md-items-links")
def fc_md_items_links(ogc: Ogc) -> None:
    for c in ogc.ok("/collections")["collections"]:
        (items,) = links(c, "items")
        assert items["type"] == "application/geo+json"
        assert items["href"].endswith(f"/ogc/collections/{c['id']}/items")
        assert ogc.follow(items["href"]).status_code == 200
        assert all({"rel", "type"} <= set(link) for link in c["links"])


@abstract_test("/conf/core/fc-md-extent")
def fc_md_extent(ogc: Ogc) -> None:
    """The extents hold every feature, and are tight: each edge is some feature's."""
    for c in ogc.ok("/collections")["collections"]:
        features = ogc.features(c["id"])
        points = [f["geometry"]["coordinates"] for f in features if f["geometry"]]
        (box,) = c["extent"]["spatial"]["bbox"]
        assert box == [
            min(p[0] for p in points),
            min(p[1] for p in points),
            max(p[0] for p in points),
            max(p[1] for p in points),
        ]
        if c["id"] == "incidents":
            ((start, end),) = c["extent"]["temporal"]["interval"]
            first = min(f["properties"]["date_start"] for f in features)
            last = max(f["properties"]["date_end"] for f in features)
            assert (start, end) == (f"{first}T00:00:00Z", f"{last}T23:59:59Z")
        else:
            assert "temporal" not in c["extent"]  # places have no time


@abstract_test("/conf/core/sfc-md-op")
def sfc_md_op(ogc: Ogc) -> None:
    for collection in ogc.collection_ids():
        assert ogc.get(f"/collections/{collection}").status_code == 200
    ATS["/conf/core/sfc-md-success"](ogc)
    assert ogc.get("/collections/nowhere").status_code == 404


@abstract_test("/conf/core/sfc-md-success")
def sfc_md_success(ogc: Ogc) -> None:
    for listed in ogc.ok("/collections")["collections"]:
        alone = ogc.ok(f"/collections/{listed['id']}")
        conforms(alone, "collection")
        for key in ("id", "title", "description", "extent", "itemType"):
            assert alone[key] == listed[key], key
        assert all(link in alone["links"] for link in listed["links"])


# Core: features


@abstract_test("/conf/core/fc-op")
def fc_op(ogc: Ogc) -> None:
    """The items of every collection; the tests this one repeats with parameters (bbox,
    limit, datetime, invalid and unknown parameters) and fc-response run on their own."""
    for collection in ogc.collection_ids():
        page = ogc.ok(f"/collections/{collection}/items")
        conforms(page, "featureCollectionGeoJSON")
    # bbox and datetime together: only what matches both.
    everything = ogc.features("incidents")
    for box, (first, last) in [
        ((40.0, 33.0, 43.0, 36.0), (date(2022, 1, 4), None)),
        ((41.0, 32.0, 45.0, 35.0), (None, date(2021, 12, 31))),
        ((44.0, 33.0, 45.0, 34.0), (date(2020, 1, 1), date(2020, 12, 31))),
    ]:
        datetime_ = f"{first or '..'}/{last or '..'}"
        got = ogc.features("incidents", bbox=",".join(map(str, box)), datetime=datetime_)
        expected = {f["id"] for f in everything if in_box(f, box) and in_time(f, first, last)}
        assert ids(got) == expected, (box, datetime_)
        assert 0 < len(expected) < len(everything)


@abstract_test("/conf/core/fc-bbox-definition")
def fc_bbox_definition(ogc: Ogc) -> None:
    parameter = ogc.api()["components"]["parameters"]["bbox"]
    assert parameter["in"] == "query"
    assert parameter["required"] is False
    assert (parameter["style"], parameter["explode"]) == ("form", False)
    schema = parameter["schema"]
    assert schema["type"] == "array"
    assert schema["items"] == {"type": "number"}
    assert schema["oneOf"] == [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]
    # Four numbers (2D), and six are taken too (the heights do not select: points are 2D).
    four = ogc.features("incidents", bbox="40,32,45,36")
    six = ogc.features("incidents", bbox="40,32,-100,45,36,100")
    assert ids(four) == ids(six)


@abstract_test("/conf/core/fc-bbox-response")
def fc_bbox_response(ogc: Ogc) -> None:
    for collection in ogc.collection_ids():
        everything = ogc.features(collection)
        for box in [(40.0, 33.0, 43.0, 36.0), (44.0, 33.0, 45.0, 34.0), (42.4411, 33.7856) * 2]:
            got = ogc.features(collection, bbox=",".join(map(str, box)))
            assert ids(got) == {f["id"] for f in everything if in_box(f, box)}, (collection, box)
            assert 0 < len(got) < len(everything)
            for feature in got:  # CRS84 longitude/latitude, as no bbox-crs was given
                lon, lat = feature["geometry"]["coordinates"]
                assert box[0] <= lon <= box[2]
                assert box[1] <= lat <= box[3]
    # Features without a geometry match any bbox (requirement C): records of their own.
    with ogc.apart() as (engine, client):
        import_bundle(engine, unplaced_bundle())
        for collection, unplaced in (
            ("incidents", {"test-vague", "test-nowhere"}),
            ("locations", {"somewhere"}),
        ):
            far = client.get(f"{BASE}/collections/{collection}/items", params={"bbox": "0,0,1,1"})
            assert far.status_code == 200
            assert ids(far.json()["features"]) == unplaced
            assert all(f["geometry"] is None for f in far.json()["features"])
            near = client.get(
                f"{BASE}/collections/{collection}/items", params={"bbox": "43,32,45,34"}
            )
            assert len(near.json()["features"]) == len(unplaced) + 1  # and the placed one


@abstract_test("/conf/core/fc-limit-definition")
def fc_limit_definition(ogc: Ogc) -> None:
    parameter = ogc.api()["components"]["parameters"]["limit"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("limit", "query", False)
    assert (parameter["style"], parameter["explode"]) == ("form", False)
    assert parameter["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": service.MAX_LIMIT,
        "default": service.DEFAULT_LIMIT,
    }
    page = ogc.ok("/collections/incidents/items")
    assert page["numberReturned"] == service.DEFAULT_LIMIT < page["numberMatched"] + 1


@abstract_test("/conf/core/fc-limit-response")
def fc_limit_response(ogc: Ogc) -> None:
    for limit in (1, 3, 7):
        page = ogc.ok("/collections/incidents/items", limit=limit)
        assert len(page["features"]) == limit
    # Above the maximum: not an error, and no more than the maximum. Made observable here
    # by a maximum below the seed's size.
    ogc.monkeypatch.setattr(service, "MAX_LIMIT", 3)
    page = ogc.ok("/collections/incidents/items", limit=5)
    assert len(page["features"]) == 3
    assert links(page, "next")


@abstract_test("/conf/core/fc-time-definition")
def fc_time_definition(ogc: Ogc) -> None:
    parameter = ogc.api()["components"]["parameters"]["datetime"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == (
        "datetime",
        "query",
        False,
    )
    assert parameter["schema"] == {"type": "string"}
    assert (parameter["style"], parameter["explode"]) == ("form", False)


@abstract_test("/conf/core/fc-time-response")
def fc_time_response(ogc: Ogc) -> None:
    everything = ogc.features("incidents")
    d = date.fromisoformat
    cases = {
        "2022-01-04": (d("2022-01-04"), d("2022-01-04")),
        "2022-01-04T18:30:00Z": (d("2022-01-04"), d("2022-01-04")),
        "2022-01-04T10:00:00+03:00": (d("2022-01-04"), d("2022-01-04")),
        "2021-01-01/2022-01-04": (d("2021-01-01"), d("2022-01-04")),
        "2020-01-01T00:00:00Z/2020-12-31T23:59:59Z": (d("2020-01-01"), d("2020-12-31")),
        "../2020-01-08": (None, d("2020-01-08")),
        "/2020-01-08": (None, d("2020-01-08")),
        "2022-01-05/..": (d("2022-01-05"), None),
        "2022-01-05/": (d("2022-01-05"), None),
        "2022-01-04T/..": (d("2022-01-04"), None),  # as GDAL writes a date
    }
    for value, (first, last) in cases.items():
        got = ogc.features("incidents", datetime=value)
        assert ids(got) == {f["id"] for f in everything if in_time(f, first, last)}, value
        assert 0 < len(got) < len(everything), value
    # An incident over a range is selected by any day of it (intersection, not start).
    assert "2020-2022-attacks-on-us-sites-in-iraq" in ids(
        ogc.features("incidents", datetime="2021-06-15")
    )
    # Features without a temporal geometry (places) match any datetime.
    places = ids(ogc.features("locations"))
    assert ids(ogc.features("locations", datetime="1990-01-01")) == places
    for bad in ("2022-13-01", "yesterday", "2022-01-05/2022-01-01", "../..", "2022/01/05"):
        assert ogc.get("/collections/incidents/items", datetime=bad).status_code == 400, bad


@abstract_test("/conf/core/query-param-invalid")
def query_param_invalid(ogc: Ogc) -> None:
    invalid = {
        "limit": ["0", "-1", "ten", "1.5", ""],
        "bbox": ["1,2,3", "1,2,3,4,5", "a,b,c,d", "0,0,200,10", "0,50,10,40", "170,0,-170,10"],
        "datetime": ["2022-02-30", "soon", "2022-01-05/2022-01-04"],
        "f": ["xml", "html"],
    }
    for collection in ogc.collection_ids():
        for name, values in invalid.items():
            for value in values:
                response = ogc.get(f"/collections/{collection}/items", **{name: value})
                assert response.status_code == 400, (name, value, response.text)
                problem = response.json()
                assert response.headers["content-type"] == "application/problem+json"
                assert problem["errors"][0]["param"] == name
        assert ogc.get(f"/collections/{collection}/items", cursor="garbage").status_code == 400
    for path in ("/", "/api", "/conformance", "/collections", "/collections/incidents"):
        assert ogc.get(path, f="xml").status_code == 400
        assert ogc.get(path, f="json").status_code == 200


@abstract_test("/conf/core/query-param-unknown")
def query_param_unknown(ogc: Ogc) -> None:
    paths = [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/incidents",
        "/collections/incidents/items",
        "/collections/incidents/items/2022-01-05-ain-al-asad-rockets",
    ]
    documented = ogc.api()["paths"]
    for path in paths:
        response = ogc.get(path, **{"bbox-crs": CRS84})  # Part 2: not implemented here
        assert response.status_code == 400, path
        assert response.json()["errors"] == [
            {"param": "bbox-crs", "message": "unknown query parameter"}
        ]
        template = re.sub(r"/collections/[^/]+", "/collections/{collectionId}", path)
        template = re.sub(r"/items/[^/]+", "/items/{featureId}", template)
        assert template in documented


@abstract_test("/conf/core/fc-response")
def fc_response(ogc: Ogc) -> None:
    for collection in ogc.collection_ids():
        page = ogc.ok(f"/collections/{collection}/items", limit=5)
        assert page["type"] == "FeatureCollection"
        assert isinstance(page["features"], list)
        assert all(f["type"] == "Feature" for f in page["features"])
        conforms(page, "featureCollectionGeoJSON")
    # fc-links, fc-timeStamp, fc-numberMatched, fc-numberReturned and geojson/content,
    # which this test names, run on their own.


@abstract_test("/conf/core/fc-links")
def fc_links(ogc: Ogc) -> None:
    page = ogc.ok("/collections/incidents/items", limit=4, bbox="40,32,45,36")
    (self_link,) = links(page, "self")
    assert self_link["type"] == "application/geo+json"
    assert ogc.follow(self_link["href"]).json()["features"] == page["features"]
    assert links(page, "alternate") == []  # GeoJSON is the only format
    assert all({"rel", "type"} <= set(link) for link in page["links"])
    # `next` keeps the selection and moves on; the pages neither overlap nor skip.
    (after,) = links(page, "next")
    assert "bbox=40%2C32%2C45%2C36" in after["href"] or "bbox=40,32,45,36" in after["href"]
    seen = [
        f["id"] for p in ogc.pages("incidents", limit=4, bbox="40,32,45,36") for f in p["features"]
    ]
    assert len(seen) == len(set(seen)) == page["numberMatched"]
    last = list(ogc.pages("incidents", limit=4))[-1]
    assert links(last, "next") == []


@abstract_test("/conf/core/fc-timeStamp")
def fc_timestamp(ogc: Ogc) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    page = ogc.ok("/collections/incidents/items")
    after = datetime.now(UTC)
    stamp = datetime.fromisoformat(page["timeStamp"].replace("Z", "+00:00"))
    assert before <= stamp <= after + timedelta(seconds=1)


@abstract_test("/conf/core/fc-numberMatched")
def fc_number_matched(ogc: Ogc) -> None:
    for params in ({}, {"bbox": "40,33,43,36"}, {"datetime": "../2021-12-31"}):
        pages = list(ogc.pages("incidents", limit=3, **params))
        matched = {p["numberMatched"] for p in pages}
        assert matched == {sum(len(p["features"]) for p in pages)}, params


@abstract_test("/conf/core/fc-numberReturned")
def fc_number_returned(ogc: Ogc) -> None:
    for collection in ogc.collection_ids():
        for page in ogc.pages(collection, limit=3):
            assert page["numberReturned"] == len(page["features"])


@abstract_test("/conf/core/f-op")
def f_op(ogc: Ogc) -> None:
    """Every feature of every collection, at its own URL."""
    for collection in ogc.collection_ids():
        for listed in ogc.features(collection):
            alone = ogc.ok(f"/collections/{collection}/items/{listed['id']}")
            assert alone["id"] == listed["id"]
            assert alone["geometry"] == listed["geometry"]
        assert ogc.get(f"/collections/{collection}/items/no-such-feature").status_code == 404
    ATS["/conf/core/f-success"](ogc)


@abstract_test("/conf/core/f-success")
def f_success(ogc: Ogc) -> None:
    ATS["/conf/core/f-links"](ogc)
    feature = ogc.ok("/collections/incidents/items/2022-01-05-ain-al-asad-rockets")
    conforms(feature, "featureGeoJSON")
    # A single incident carries its detail: quotes and source excerpts.
    assert feature["properties"]["quotes"]
    assert feature["properties"]["sources"]


@abstract_test("/conf/core/f-links")
def f_links(ogc: Ogc) -> None:
    for collection, feature_id in (
        ("incidents", "2022-01-05-ain-al-asad-rockets"),
        ("locations", "ain-al-asad-air-base"),
    ):
        feature = ogc.ok(f"/collections/{collection}/items/{feature_id}")
        (self_link,) = links(feature, "self")
        assert self_link["type"] == "application/geo+json"
        assert ogc.follow(self_link["href"]).json()["id"] == feature_id
        (up,) = links(feature, "collection")
        assert ogc.follow(up["href"]).json()["id"] == collection
        assert links(feature, "alternate") == []
        assert all({"rel", "type"} <= set(link) for link in feature["links"])


# GeoJSON


@abstract_test("/conf/geojson/definition")
def geojson_definition(ogc: Ogc) -> None:
    geojson = ["/collections/incidents/items", "/collections/locations/items/arbil"]
    json = ["/", "/conformance", "/collections", "/collections/locations"]
    for accept in ("application/geo+json", "application/json", "*/*"):
        for path in geojson + json:
            response = ogc.client.get(BASE + path, headers={"Accept": accept})
            expected = "application/geo+json" if path in geojson else "application/json"
            assert response.headers["content-type"] == expected, (path, accept)
    assert ogc.get("/collections/incidents/items", f="json").status_code == 200
    assert ogc.get("/collections/incidents/items", f="geojson").status_code == 200


@abstract_test("/conf/geojson/content")
def geojson_content(ogc: Ogc) -> None:
    for collection in ogc.collection_ids():
        page = ogc.ok(f"/collections/{collection}/items")
        conforms(page, "featureCollectionGeoJSON")
        assert isinstance(page["links"], list)  # the links as a foreign member
        for listed in page["features"]:
            feature = ogc.ok(f"/collections/{collection}/items/{listed['id']}")
            conforms(feature, "featureGeoJSON")
            assert feature["id"] == listed["id"]  # the featureId of the request
            assert isinstance(feature["links"], list)
            # The properties are the record as /v1 gives it.
            record = ogc.client.get(f"/v1/{collection}/{listed['id']}").json()
            assert feature["properties"] == record


# OpenAPI 3.0


def _response(doc: dict[str, Any], template: str, status: int) -> dict[str, Any]:
    """The documented response of `GET template` for `status`, references resolved."""
    responses = doc["paths"][template]["get"]["responses"]
    found = responses.get(str(status)) or (responses["default"] if status >= 500 else None)
    assert found is not None, f"GET {template}: {status} is not documented"
    while "$ref" in found:
        found = doc["components"]["responses"][found["$ref"].rsplit("/", 1)[1]]
    return found


def _documented(doc: dict[str, Any], template: str, response: httpx.Response) -> None:
    """The status, media type and body of `response` are those the definition gives."""
    described = _response(doc, template, response.status_code)
    if response.status_code == 304:
        assert response.content == b""
        return
    media_type = response.headers["content-type"].split(";")[0]
    content = {m.split(";")[0]: c for m, c in described["content"].items()}
    assert media_type in content, (template, response.status_code, media_type)
    if media_type != "text/html":
        root = {**content[media_type]["schema"], "components": doc["components"]}
        OAS30Validator(root).validate(response.json())


def _probes(ogc: Ogc) -> dict[str, list[tuple[str, dict[str, Any], dict[str, str]]]]:
    """Requests for each operation that bring out each answer the server gives."""
    rockets = "/collections/incidents/items/2022-01-05-ain-al-asad-rockets"
    etag = ogc.get(rockets).headers["etag"]
    return {
        "/": [("/", {}, {}), ("", {"f": "xml"}, {})],
        "/api": [("/api", {"f": "json"}, {}), ("/api", {"f": "yaml"}, {})],
        "/api.html": [("/api.html", {}, {}), ("/api.html", {"q": "1"}, {})],
        "/conformance": [("/conformance", {}, {}), ("/conformance", {"x": "1"}, {})],
        "/collections": [("/collections", {}, {}), ("/collections", {"f": "html"}, {})],
        "/collections/{collectionId}": [
            ("/collections/locations", {}, {}),
            ("/collections/roads", {}, {}),
            ("/collections/locations", {"limit": "1"}, {}),
        ],
        "/collections/{collectionId}/items": [
            ("/collections/incidents/items", {"limit": "2"}, {}),
            ("/collections/roads/items", {}, {}),
            ("/collections/incidents/items", {"bbox": "1,2"}, {}),
            ("/collections/incidents/items", {"datetime": "never"}, {}),
        ],
        "/collections/{collectionId}/items/{featureId}": [
            (rockets, {}, {}),
            (rockets, {}, {"If-None-Match": etag}),
            ("/collections/incidents/items/none", {}, {}),
            ("/collections/roads/items/none", {}, {}),
            (rockets, {"limit": "1"}, {}),
        ],
    }


def _exercise(ogc: Ogc, errors_only: bool) -> set[tuple[str, int]]:
    doc = ogc.api()
    assert set(_probes(ogc)) == set(doc["paths"])  # every operation is probed
    seen = set()
    for template, requests in _probes(ogc).items():
        for path, params, headers in requests:
            response = ogc.client.get(BASE + path, params=params, headers=headers)
            if errors_only and response.status_code < 400:
                continue
            _documented(doc, template, response)
            seen.add((template, response.status_code))
    return seen


@abstract_test("/conf/oas30/completeness")
def oas30_completeness(ogc: Ogc) -> None:
    seen = _exercise(ogc, errors_only=False)
    statuses = {status for _, status in seen}
    assert {200, 304, 400, 404} <= statuses


@abstract_test("/conf/oas30/exceptions-codes")
def oas30_exceptions_codes(ogc: Ogc) -> None:
    seen = _exercise(ogc, errors_only=True)
    assert {status for _, status in seen} == {400, 404}
    # And the 401 of a server that wants keys, under /conf/oas30/security.


@abstract_test("/conf/oas30/oas-definition-1")
def oas30_definition_1(ogc: Ogc) -> None:
    desc, doc = ogc.landing_link("service-desc"), ogc.landing_link("service-doc")
    assert desc["type"] == OPENAPI_30
    assert doc["type"] == "text/html"
    response = ogc.follow(desc["href"])
    assert response.headers["content-type"] == OPENAPI_30
    assert response.json()["openapi"].startswith("3.0.")
    assert ogc.follow(doc["href"]).headers["content-type"].startswith("text/html")


@abstract_test("/conf/oas30/oas-definition-2")
def oas30_definition_2(ogc: Ogc) -> None:
    doc = ogc.api()
    assert doc["openapi"].startswith("3.0.")
    validate_openapi(doc)  # against the OpenAPI 3.0 schema, $refs resolved
    assert doc["servers"] == [{"url": str(ogc.client.base_url.join(BASE))}]


@abstract_test("/conf/oas30/oas-impl")
def oas30_impl(ogc: Ogc) -> None:
    """Every operation, driven by schemathesis from the definition: valid and invalid
    parameters alike, each answer as the definition documents it.

    `negative_data_rejection` is left out on purpose: a `limit` above its maximum must be
    served, not refused (/req/core/fc-limit-response-1 C), so that one invalid value is
    accepted by design. The 400s for invalid values are checked in query-param-invalid.
    """
    spec = schemathesis.openapi.from_asgi(BASE + "/api", ogc.client.app)
    spec.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    validations = [
        checks.not_a_server_error,
        openapi_checks.status_code_conformance,
        openapi_checks.content_type_conformance,
        openapi_checks.response_schema_conformance,
    ]
    operations = [result.ok() for result in spec.get_all_operations()]
    # Schemathesis leaves out the operation that serves the definition it read (/api);
    # the probes of /conf/oas30/completeness cover that one.
    assert {op.path for op in operations} == set(ogc.api()["paths"]) - {"/api"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=validations)

        run()


DATA_OPERATIONS = [
    ("/", "/"),
    ("/conformance", "/conformance"),
    ("/collections", "/collections"),
    ("/collections/{collectionId}", "/collections/incidents"),
    ("/collections/{collectionId}/items", "/collections/incidents/items"),
]


@abstract_test("/conf/oas30/security")
def oas30_security(ogc: Ogc) -> None:
    """Bearer keys are declared: optional on every data operation where reads are open (a
    key that is sent is checked, and an unknown one is a documented 401), required with
    READ_REQUIRES_KEY (a request without one is a documented 401)."""
    doc = ogc.api()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    unknown = {"Authorization": "Bearer ir_000000000000_unknown"}
    for template, path in DATA_OPERATIONS:
        assert doc["paths"][template]["get"]["security"] == [{}, {"bearer": []}]
        assert ogc.get(path).status_code == 200
    refused = ogc.client.get(BASE + "/collections", headers=unknown)
    assert refused.status_code == 401
    _documented(doc, "/collections", refused)
    with ogc.apart(Settings(read_requires_key=True)) as (engine, client):
        key = new_key(engine, "read", "gis")
        doc = client.get(BASE + "/api").json()
        assert doc["components"]["securitySchemes"]["bearer"] == {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `incident-record keys create`.",
        }
        for template, path in DATA_OPERATIONS:
            assert doc["paths"][template]["get"]["security"] == [{"bearer": []}]
            refused = client.get(BASE + path)
            assert refused.status_code == 401
            _documented(doc, template, refused)
            assert client.get(BASE + path, headers=key).status_code == 200
        for template in ("/api", "/api.html"):  # the definition stays open, as /docs does
            assert doc["paths"][template]["get"]["security"] == []
            assert client.get(BASE + template).status_code == 200


# The runner


def test_every_abstract_test_is_ported() -> None:
    assert list(ATS) == EXPECTED


@pytest.fixture
def ogc(
    client: TestClient, seeded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Ogc:
    return Ogc(client, seeded_engine.url.get_backend_name(), tmp_path, monkeypatch)


@pytest.mark.parametrize("ats_id", EXPECTED)
def test_abstract_test(ats_id: str, ogc: Ogc) -> None:
    ATS[ats_id](ogc)
