"""GDAL, the engine of many tools' OGC API - Features support, against a real
`incident-record serve`: Debian's `ogrinfo` and `ogr2ogr` (gdal-bin), OAPIF driver.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers_gdal import gdal, require_gdal
from tests.helpers_server import REPO_ROOT, LiveServer, running_server

pytestmark = pytest.mark.slow

SEED = json.loads((REPO_ROOT / "seed" / "000_4649b48b659e9093.json").read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_gdal()
    with running_server(tmp_path_factory.mktemp("ogc-gdal")) as live:
        yield live


def oapif(server: LiveServer) -> str:
    return f"OAPIF:{server.base_url}/ogc"


def requests_for(server: LiveServer, path: str) -> list[str]:
    """The query strings of the GETs of `path` answered 200, from the server's access log."""
    lines = server.log_path.read_text().splitlines()
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    return [
        line["query"]
        for line in logged
        if (line["method"], line["path"], line["status"]) == ("GET", path, 200)
    ]


def read_geojson(path: Path) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads(path.read_text())["features"]
    return features


def test_ogrinfo_lists_both_collections_as_point_layers(server: LiveServer) -> None:
    out = gdal("ogrinfo", "-ro", "-q", oapif(server))
    assert re.search(r"^1: incidents \(title: Incidents\) \(Point\)$", out, re.M), out
    assert re.search(r"^2: locations \(title: Locations\) \(Point\)$", out, re.M), out


def test_ogrinfo_reports_the_seed_count_extent_and_fields(server: LiveServer) -> None:
    out = gdal("ogrinfo", "-ro", "-so", oapif(server), "incidents")
    assert f"Feature Count: {len(SEED['incidents'])}\n" in out, out
    places = {loc["id"]: loc for loc in SEED["locations"]}
    used = [places[i["location_id"]] for i in SEED["incidents"] if i.get("location_id")]
    west, east = min(p["longitude"] for p in used), max(p["longitude"] for p in used)
    south, north = min(p["latitude"] for p in used), max(p["latitude"] for p in used)
    assert f"Extent: ({west:.6f}, {south:.6f}) - ({east:.6f}, {north:.6f})" in out, out
    assert "TEMPORAL_INTERVAL_MIN=2020-01-03T00:00:00Z" in out
    # Dates come as dates, and the record's numbers as numbers, for filters in QGIS.
    assert re.search(r"^date_start: Date", out, re.M), out
    assert re.search(r"^fatalities: Integer", out, re.M), out


def test_ogr2ogr_reads_every_page_by_the_next_links(server: LiveServer, tmp_path: Path) -> None:
    out = tmp_path / "all.geojson"
    gdal("ogr2ogr", "-f", "GeoJSON", str(out), oapif(server), "incidents", "-oo", "PAGE_SIZE=3")
    features = read_geojson(out)
    assert sorted(f["properties"]["id"] for f in features) == sorted(
        i["id"] for i in SEED["incidents"]
    )
    pages = requests_for(server, "/ogc/collections/incidents/items")
    assert sum("cursor=" in query for query in pages) >= 3  # 10 features, 3 a page


def test_ogr2ogr_filters_by_bbox_and_time_on_the_server(server: LiveServer, tmp_path: Path) -> None:
    """`-spat` becomes `bbox`, a `-where` on a date field becomes `datetime`: both are
    answered by the server, and GDAL keeps what the API's own filters select."""
    out = tmp_path / "subset.geojson"
    where = "date_start >= '2022-01-04' AND date_start <= '2022-01-05'"
    gdal(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(out),
        oapif(server),
        "incidents",
        "-spat",
        "41",
        "32",
        "45",
        "35",
        "-where",
        where,
    )
    got = sorted(f["properties"]["id"] for f in read_geojson(out))
    api = httpx.get(
        f"{server.base_url}/v1/incidents",
        params={"bbox": "41,32,45,35", "date_from": "2022-01-04", "date_to": "2022-01-05"},
    ).json()["data"]
    assert got == sorted(i["id"] for i in api)
    assert 0 < len(got) < len(SEED["incidents"])
    sent = requests_for(server, "/ogc/collections/incidents/items")
    assert any(
        "bbox=41,32,45,35" in query and "datetime=2022-01-04T%2F2022-01-05T" in query
        for query in sent
    ), sent
