"""Every recipe in docs/dashboards.md, run as written against a real `incident-record serve`.

The recipes name `http://127.0.0.1:8000`; here it becomes the test server's address.
"""

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas
import pyogrio.raw
import pytest
import yaml

from tests.helpers_gdal import gdal
from tests.helpers_server import LiveServer, running_server

pytestmark = pytest.mark.slow  # a server in a process of its own, over real HTTP

DOC = Path(__file__).resolve().parent.parent / "docs" / "dashboards.md"
DOC_BASE = "http://127.0.0.1:8000"
RECIPE = re.compile(r"<!-- recipe: ([\w-]+) -->\n```(\w+)\n(.*?)```", re.S)
TESTED = {
    "grafana-datasource",
    "grafana-query",
    "geojson-url",
    "qgis",
    "qgis-oapif",
    "pandas",
    "client",
    "sync",
}


def recipes() -> dict[str, str]:
    return {name: code for name, _lang, code in RECIPE.findall(DOC.read_text())}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("dashboards")) as live:
        yield live


def recipe(name: str, server: LiveServer) -> str:
    return recipes()[name].replace(DOC_BASE, server.base_url)


def run(name: str, server: LiveServer, **names: Any) -> dict[str, Any]:
    scope: dict[str, Any] = dict(names)
    exec(recipe(name, server), scope)  # the recipe, exactly as a user pastes it
    return scope


def test_every_recipe_in_the_doc_is_tested() -> None:
    assert set(recipes()) == TESTED


def test_grafana_datasource_allows_the_api_host() -> None:
    config = yaml.safe_load(recipes()["grafana-datasource"])
    (source,) = config["datasources"]
    assert source["type"] == "yesoreyeram-infinity-datasource"
    query = json.loads(recipes()["grafana-query"])
    host = re.match(r"https?://[^/]+", query["url"])
    assert host is not None
    assert host.group(0) in source["jsonData"]["allowedHosts"]


def test_grafana_infinity_query_gives_a_gapless_monthly_series(server: LiveServer) -> None:
    query = json.loads(recipe("grafana-query", server))
    # The fields Infinity's JSON query model knows (src/types/query.types.ts).
    assert (query["type"], query["source"]) == ("json", "url")
    assert query["url_options"]["method"] == "GET"
    assert query["format"] in {"table", "timeseries", "dataframe", "as-is"}
    params = {p["key"]: p["value"] for p in query["url_options"]["params"]}
    response = httpx.get(query["url"], params=params, timeout=10)
    assert response.status_code == 200, response.text
    rows = response.json()[query["root_selector"]]
    for column in query["columns"]:
        values = [row[column["selector"]] for row in rows]
        if column["type"] == "number":  # or null: a sum that no source gave is not known
            assert all(isinstance(v, int | float) or v is None for v in values), column
            assert any(isinstance(v, int | float) and v > 0 for v in values), column
        else:
            assert column["type"] == "timestamp"
            assert column["timestampFormat"] == "2006-01"  # Go layout: YYYY-MM
            months = [datetime.strptime(v, "%Y-%m").date() for v in values]
    assert months[0] == date(2020, 1, 1)
    assert months[-1] == date(2022, 12, 1)
    assert len(months) == 36  # zero-filled: every month, none twice
    by_month = {row["month"]: row["incidents"] for row in rows}
    assert by_month["2021-06"] == 0
    assert next(r for r in rows if r["month"] == "2021-06")["fatalities"] is None
    listed = httpx.get(
        f"{server.base_url}/v1/incidents",
        params={"date_from": "2020-01-01", "date_to": "2022-12-31", "limit": 1000},
    ).json()["data"]
    assert sum(by_month.values()) == len(listed)  # every seeded incident starts in range


def test_geojson_url_is_a_map_layer_kepler_can_fetch(server: LiveServer) -> None:
    url = recipe("geojson-url", server).strip()
    response = httpx.get(url, headers={"Origin": "https://kepler.gl"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    rockets = features["2022-01-05-ain-al-asad-rockets"]
    lon, lat = rockets["geometry"]["coordinates"]
    assert rockets["geometry"]["type"] == "Point"
    assert (round(lon), round(lat)) == (42, 34)  # Ain al-Asad, western Iraq: lon before lat
    assert rockets["properties"]["date_start"] == "2022-01-05"


class GdalBackedIface:
    """Stands in for QGIS's `iface`: the "ogr" provider hands the URI to GDAL, as here.

    GDAL gives an http URL to its GeoJSON driver, which fetches it whole. pyogrio alone
    would route it through /vsicurl/ instead, so the driver is named explicitly.
    """

    def __init__(self) -> None:
        self.layers: dict[str, Any] = {}

    def addVectorLayer(self, uri: str, name: str, provider: str) -> Any:  # noqa: N802
        assert provider == "ogr"
        self.layers[name] = pyogrio.raw.read(f"GeoJSON:{uri}")
        return self.layers[name]


def test_head_answers_like_get_for_tools_that_probe_first(server: LiveServer) -> None:
    url = recipe("geojson-url", server).strip()
    head, get = httpx.head(url, timeout=10), httpx.get(url, timeout=10)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "x-total-count", "content-disposition"):
        assert head.headers[name] == get.headers[name], name


def test_qgis_layer_opens_through_gdal(server: LiveServer) -> None:
    iface = GdalBackedIface()
    scope = run("qgis", server, iface=iface)
    meta, _fids, geometry, fields = scope["layer"]
    assert meta["geometry_type"] == "Point"
    assert meta["crs"] == "EPSG:4326"
    ids = list(fields[list(meta["fields"]).index("id")])
    assert "2022-01-05-ain-al-asad-rockets" in ids
    assert len(geometry) == len(ids) > 0


class OapifIface:
    """Stands in for QGIS's `iface` with the "OAPIF" provider: GDAL's OAPIF driver opens
    the URL and collection of the layer's URI, as QGIS's provider would."""

    def __init__(self) -> None:
        self.layers: dict[str, str] = {}

    def addVectorLayer(self, uri: str, name: str, provider: str) -> str:  # noqa: N802
        assert provider == "OAPIF"
        source = dict(re.findall(r"(\w+)='([^']*)'", uri))
        self.layers[name] = gdal(
            "ogrinfo", "-ro", "-so", f"OAPIF:{source['url']}", source["typename"]
        )
        return self.layers[name]


def test_qgis_oapif_layer_is_the_ogc_collection(server: LiveServer) -> None:
    layer = run("qgis-oapif", server, iface=OapifIface())["layer"]
    total = httpx.get(f"{server.base_url}/v1/incidents").json()["meta"]["total"]
    assert "Layer name: incidents\n" in layer
    assert "Geometry: Point\n" in layer
    assert f"Feature Count: {total}\n" in layer


def test_pandas_reads_the_csv_url(server: LiveServer) -> None:
    scope = run("pandas", server)
    incidents: pandas.DataFrame = scope["incidents"]
    assert set(incidents["country"]) == {"IQ", "SY"}
    assert str(incidents["date_start"].dtype).startswith("datetime64")
    assert "2022-01-05-ain-al-asad-rockets" in set(incidents["id"])
    assert scope["per_month"].sum() == len(incidents)


def test_python_client_in_three_lines(server: LiveServer) -> None:
    code = recipe("client", server)
    assert len([line for line in code.splitlines() if line.strip()]) == 3
    monthly: pandas.DataFrame = run("client", server)["monthly"]
    assert {"month", "country", "incidents", "fatalities", "injuries"} <= set(monthly.columns)
    assert set(monthly["month"]) == {"2021-12", "2022-01"}
    december = monthly[monthly["month"] == "2021-12"]
    assert len(december) > 0
    assert (december["incidents"] == 0).all()  # zero-filled for every country present


def test_sync_recipe_returns_what_changed_since(server: LiveServer) -> None:
    changed = run("sync", server)["changed"]
    assert len(changed) == 10
    later = httpx.get(
        f"{server.base_url}/v1/incidents", params={"updated_since": "2999-01-01T00:00:00Z"}
    )
    assert later.json()["data"] == []
