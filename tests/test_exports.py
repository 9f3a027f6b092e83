"""Exports of the lists as CSV, GeoJSON and NDJSON: same rows as JSON, streamed, paged.

Each export is read back with a real parser (the csv module, json, NDJSON line by line,
pandas, GDAL through pyogrio) and compared with the JSON list under the same filters.
"""

import csv
import io
import json
import re
import struct
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyogrio.raw
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.db import bump_version
from app.loader import load_bundle
from app.models import Incident
from app.services.exports import BATCH
from app.services.exports import INCIDENTS as INCIDENT_EXPORT
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_server import running_server
from tests.helpers_writes import new_key, seed

ROCKETS = "2022-01-05-ain-al-asad-rockets"
AIN_AL_ASAD = ("ain-al-asad-air-base", 33.7856, 42.4411)  # id, latitude, longitude

# The CSV header is a contract: scripts select these columns by name.
COLUMNS = {
    "incidents": [
        "id", "title", "summary", "date_start", "date_end", "date_precision", "time_of_day",
        "event_type", "sub_event_type", "country", "country_name", "admin1", "location_id",
        "location_name", "latitude", "longitude", "geo_precision", "fatalities", "injuries",
        "damage", "weapons", "attributed_to", "attributed_to_names", "attribution_stances",
        "attributed_by", "claimed", "fatalities_low", "fatalities_high", "deaths_a", "deaths_b",
        "deaths_civilians", "deaths_unknown", "source_ids", "notes", "added", "updated_at",
    ],
    "locations": [
        "id", "name", "aliases", "kind", "country", "country_name", "admin1", "latitude",
        "longitude", "geo_precision", "incident_count", "notes", "added", "updated_at",
    ],
    "actors": [
        "id", "name", "aliases", "kind", "country", "country_name", "parent_id", "children",
        "description", "incident_count", "notes", "added", "updated_at",
    ],
    "quotes": [
        "id", "text", "speaker_id", "speaker_name", "speaker_title", "said_on", "channel",
        "source_id", "span_start", "span_end", "incident_ids", "notes", "added", "updated_at",
    ],
}  # fmt: skip

# Each resource under a few filter sets, including none; every one matches some rows.
QUERIES = {
    "incidents": ["", "country=IQ&sort=fatalities", "attributed_to=iran-backed-groups&sort=date"],
    "locations": ["", "country=Syria"],
    "actors": ["", "kind=person"],
    "quotes": ["", "speaker=john-kirby"],
}
CASES = [(resource, query) for resource, queries in QUERIES.items() for query in queries]
FORMATS = ["csv", "geojson", "ndjson"]
INCIDENT_COLUMNS = INCIDENT_EXPORT.columns


def json_list(client: TestClient, resource: str, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/{resource}?{query}&limit=1000")
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    assert data, f"the test query {query!r} should match something"
    return data


def export(client: TestClient, resource: str, query: str, fmt: str) -> Any:
    response = client.get(f"/v1/{resource}?{query}&format={fmt}")
    assert response.status_code == 200, response.text
    return response


def varies_on_accept(response: Any) -> bool:
    return "Accept" in [v.strip() for v in response.headers.get("vary", "").split(",")]


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def read_ndjson(text: str) -> list[dict[str, Any]]:
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def cell(value: Any) -> str:
    """How the contract says a JSON value appears in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(cell(v) for v in value)
    return str(value)


def expected_row(resource: str, item: dict[str, Any]) -> dict[str, str]:
    row = {name: cell(item[name]) for name in COLUMNS[resource] if name in item}
    if resource == "incidents":
        place = item["location"] or {}
        attributed = item["attributed_to"]
        row |= {
            "location_id": cell(place.get("id")),
            "location_name": cell(place.get("name")),
            "latitude": cell(place.get("latitude")),
            "longitude": cell(place.get("longitude")),
            "geo_precision": cell(place.get("geo_precision")),
            "weapons": ";".join(
                w["kind"] + ("" if w["quantity"] is None else f":{w['quantity']}")
                for w in item["weapons"]
            ),
            # Each actor once, in the order first attributed; each attribution's stance
            # and accuser.
            "attributed_to": ";".join(dict.fromkeys(a["actor_id"] for a in attributed)),
            "attributed_to_names": ";".join(
                {a["actor_id"]: a["actor_name"] for a in attributed}.values()
            ),
            "attribution_stances": ";".join(a["stance"] for a in attributed),
            "attributed_by": ";".join(a["by_actor_id"] or "" for a in attributed),
        }
    elif resource == "actors":
        row["children"] = ";".join(c["id"] for c in item["children"])
    elif resource == "quotes":
        row |= {"span_start": str(item["span"]["start"]), "span_end": str(item["span"]["end"])}
    return row


@pytest.mark.parametrize(("resource", "query"), CASES)
def test_csv_has_the_json_rows_flattened(client: TestClient, resource: str, query: str) -> None:
    items = json_list(client, resource, query)
    response = export(client, resource, query, "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header, rows = read_csv(response.text)
    assert header == COLUMNS[resource]
    assert [r["id"] for r in rows] == [i["id"] for i in items]
    for row, item in zip(rows, items, strict=True):
        assert row == expected_row(resource, item)


@pytest.mark.parametrize(("resource", "query"), CASES)
def test_ndjson_lines_are_the_json_items(client: TestClient, resource: str, query: str) -> None:
    items = json_list(client, resource, query)
    response = export(client, resource, query, "ndjson")
    assert response.headers["content-type"] == "application/x-ndjson"
    assert read_ndjson(response.text) == items


@pytest.mark.parametrize(("resource", "query"), CASES)
def test_geojson_features_carry_the_json_items(
    client: TestClient, resource: str, query: str
) -> None:
    items = json_list(client, resource, query)
    response = export(client, resource, query, "geojson")
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"] for f in features] == items
    for feature, item in zip(features, items, strict=True):
        assert feature["type"] == "Feature"
        assert feature["id"] == item["id"]
        place = item.get("location", item) if resource in ("incidents", "locations") else None
        if place is None or place.get("latitude") is None:
            assert feature["geometry"] is None
        else:
            assert feature["geometry"] == {
                "type": "Point",
                "coordinates": [place["longitude"], place["latitude"]],
            }


def test_csv_gives_each_actor_attributed_once(client: TestClient) -> None:
    """Three accusers blamed one group for the rockets: the group is named once, while the
    stances and the accusers are one per attribution."""
    _, rows = read_csv(export(client, "incidents", "", "csv").text)
    rockets = next(r for r in rows if r["id"] == ROCKETS)
    assert rockets["attributed_to"] == "iran-backed-groups"
    assert rockets["attributed_to_names"] == "Iran-backed groups"
    assert rockets["attribution_stances"] == "accused;accused;suspected"
    assert rockets["attributed_by"] == "pentagon;united-states;john-kirby"


def test_csv_attributed_actors_keep_the_order_first_attributed() -> None:
    claims = [("a", "A", "accused", "x"), ("b", "B", "claimed", None), ("a", "A", "denied", "y")]
    item = {
        "attributed_to": [
            {"actor_id": i, "actor_name": n, "stance": s, "by_actor_id": by}
            for i, n, s, by in claims
        ]
    }
    row = {name: get(item) for name, get in INCIDENT_COLUMNS.items() if "attribut" in name}
    assert row == {
        "attributed_to": ["a", "b"],
        "attributed_to_names": ["A", "B"],
        "attribution_stances": ["accused", "claimed", "denied"],
        "attributed_by": ["x", None, "y"],
    }


def test_geojson_points_are_longitude_then_latitude(client: TestClient) -> None:
    place, latitude, longitude = AIN_AL_ASAD
    incidents = export(client, "incidents", f"location={place}", "geojson").json()
    locations = export(client, "locations", "country=IQ", "geojson").json()
    rockets = next(f for f in incidents["features"] if f["id"] == ROCKETS)
    base = next(f for f in locations["features"] if f["id"] == place)
    for feature in (rockets, base):
        assert feature["geometry"]["coordinates"] == [longitude, latitude]


def test_gdal_reads_the_geojson(client: TestClient) -> None:
    """A GIS tool's own parser (GDAL's GeoJSON driver) gets every feature and point."""
    body = export(client, "locations", "", "geojson").content
    meta, _, geometries, fields = pyogrio.raw.read(io.BytesIO(body))
    items = json_list(client, "locations", "")
    ids = list(fields[list(meta["fields"]).index("id")])
    assert ids == [i["id"] for i in items]
    place, latitude, longitude = AIN_AL_ASAD
    wkb = geometries[ids.index(place)]
    order = "<" if wkb[0] == 1 else ">"
    assert struct.unpack(order + "dd", wkb[5:21]) == (longitude, latitude)


def test_pandas_reads_the_csv_with_one_call(client: TestClient) -> None:
    frame = pd.read_csv(io.BytesIO(export(client, "incidents", "", "csv").content))
    items = json_list(client, "incidents", "")
    assert list(frame["id"]) == [i["id"] for i in items]
    assert list(frame.columns) == COLUMNS["incidents"]
    rockets = frame.set_index("id").loc[ROCKETS]
    assert (rockets["latitude"], rockets["longitude"]) == AIN_AL_ASAD[1:]


@pytest.mark.slow
def test_over_real_http_pandas_reads_an_export_url_and_304s_stop_cleanly(tmp_path: Path) -> None:
    """The user's one-liner against the real server, which streams with chunked encoding."""
    with running_server(tmp_path) as server:
        url = f"{server.base_url}/v1/incidents?format=csv"
        frame = pd.read_csv(url)
        everything = httpx.get(f"{server.base_url}/v1/incidents?limit=1000").json()["data"]
        assert list(frame["id"]) == [i["id"] for i in everything]
        first = httpx.get(url)
        assert first.headers["transfer-encoding"] == "chunked"
        again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        assert httpx.get(url).text == first.text  # the server is fine after the 304
        assert "Traceback" not in server.log()


# Negotiation


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/geo+json", "application/geo+json"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
        ("application/xml", "application/json"),
        ("text/csv;q=0.5, application/x-ndjson", "application/x-ndjson"),
        ("application/json;q=0.1, text/csv", "text/csv; charset=utf-8"),
    ],
)
def test_accept_selects_the_format(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/v1/incidents", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert varies_on_accept(response)


@pytest.mark.parametrize(
    ("fmt", "accept", "media_type"),
    [
        ("json", "text/csv", "application/json"),
        ("ndjson", "text/csv", "application/x-ndjson"),
        ("csv", "application/geo+json", "text/csv; charset=utf-8"),
    ],
)
def test_format_beats_accept(client: TestClient, fmt: str, accept: str, media_type: str) -> None:
    response = client.get(f"/v1/quotes?format={fmt}", headers={"Accept": accept})
    assert response.headers["content-type"] == media_type


@pytest.mark.parametrize("resource", QUERIES)
def test_json_is_unchanged_and_varies_on_accept(client: TestClient, resource: str) -> None:
    plain = client.get(f"/v1/{resource}")
    as_json = client.get(f"/v1/{resource}?format=json").json()
    assert (as_json["data"], as_json["meta"]) == (plain.json()["data"], plain.json()["meta"])
    assert set(plain.json()) == {"data", "meta", "links"}
    assert varies_on_accept(plain)
    assert plain.headers["etag"].startswith('"')  # still the strong hash of the body
    assert "content-disposition" not in plain.headers


def test_an_unknown_format_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/v1/incidents?format=xlsx")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["param"] == "format"


# Limits and paging


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("limit=1000", {}, 200),
        ("limit=1001", {}, 422),
        ("format=json&limit=5000", {}, 422),
        ("limit=5000", {"Accept": "text/csv"}, 200),
        ("format=csv&limit=100000", {}, 200),
        ("format=ndjson&limit=100001", {}, 422),
        ("format=geojson&limit=0", {}, 422),
    ],
)
def test_limit_is_1000_for_json_and_100000_for_exports(
    client: TestClient, query: str, headers: dict[str, str], status: int
) -> None:
    for resource in QUERIES:
        response = client.get(f"/v1/{resource}?{query}", headers=headers)
        assert response.status_code == status, (resource, response.text)
        if status == 422:
            assert response.json()["errors"][0]["param"] == "limit"


def test_the_json_limit_error_points_at_exports(client: TestClient) -> None:
    detail = client.get("/v1/actors?limit=2000").json()["errors"][0]["message"]
    assert "1000" in detail
    assert "100000" in detail
    assert "format=csv" in detail


@pytest.mark.parametrize("resource", QUERIES)
def test_an_export_without_limit_is_everything(client: TestClient, resource: str) -> None:
    response = export(client, resource, "", "ndjson")
    everything = json_list(client, resource, "")
    assert len(read_ndjson(response.text)) == len(everything)
    assert response.headers["x-total-count"] == str(len(everything))
    assert "link" not in response.headers


def ids_in(response: Any) -> list[str]:
    if response.headers["content-type"].startswith("text/csv"):
        return [r["id"] for r in read_csv(response.text)[1]]
    return [r["id"] for r in read_ndjson(response.text)]


def _pages(client: TestClient, url: str, headers: dict[str, str] | None) -> tuple[list[str], int]:
    """The ids from `url` on, following `Link: rel="next"`, and the total announced."""
    ids: list[str] = []
    total = None
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        total = total or response.headers["x-total-count"]
        assert response.headers["x-total-count"] == total
        ids += ids_in(response)
        link = response.links.get("next")
        url = link["url"] if link else ""
    return ids, int(total or 0)


def _follow(client: TestClient, url: str, headers: dict[str, str] | None = None) -> list[str]:
    """Every id across the export's pages: as many as `X-Total-Count` says."""
    ids, total = _pages(client, url, headers)
    assert len(ids) == total
    return ids


@pytest.mark.parametrize("sort", ["-date", "date", "fatalities", "-fatalities", "updated_at"])
def test_link_pages_cover_every_row_in_the_json_order(client: TestClient, sort: str) -> None:
    expected = [i["id"] for i in json_list(client, "incidents", f"sort={sort}")]
    assert _follow(client, f"/v1/incidents?sort={sort}&format=ndjson&limit=3") == expected
    by_accept = _follow(
        client, f"/v1/incidents?sort={sort}&limit=4", headers={"Accept": "application/x-ndjson"}
    )
    assert by_accept == expected


@pytest.mark.parametrize(("resource", "query"), CASES)
def test_every_resource_pages_by_link(client: TestClient, resource: str, query: str) -> None:
    expected = [i["id"] for i in json_list(client, resource, query)]
    assert _follow(client, f"/v1/{resource}?{query}&format=ndjson&limit=2") == expected


def test_an_export_cursor_continues_a_json_list_and_back(client: TestClient) -> None:
    everything = [i["id"] for i in json_list(client, "incidents", "")]
    first = export(client, "incidents", "limit=4", "csv")
    cursor = first.links["next"]["url"].split("cursor=")[1].split("&")[0]
    page = client.get(f"/v1/incidents?limit=3&cursor={cursor}").json()
    assert [i["id"] for i in page["data"]] == everything[4:7]
    rest = export(client, "incidents", f"cursor={page['meta']['next_cursor']}", "csv")
    assert [r["id"] for r in read_csv(rest.text)[1]] == everything[7:]


def test_a_bad_cursor_is_a_400_before_anything_streams(client: TestClient) -> None:
    response = client.get("/v1/incidents?format=csv&cursor=garbage")
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "cursor"


@pytest.mark.parametrize("resource", QUERIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_are_named_attachments(client: TestClient, resource: str, fmt: str) -> None:
    response = export(client, resource, "", fmt)
    assert response.headers["content-disposition"] == (f'attachment; filename="{resource}.{fmt}"')


@pytest.mark.parametrize("resource", QUERIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_saved_in_the_checkout_is_ignored_by_git(resource: str, fmt: str) -> None:
    """`curl -OJ` in the checkout, as the README does, leaves nothing for `git status`."""
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", f"{resource}.{fmt}"], cwd=PROJECT_ROOT, check=False
    )
    assert ignored.returncode == 0


# ETag


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_has_an_etag_and_answers_304(client: TestClient, fmt: str) -> None:
    url = f"/v1/incidents?country=IQ&format={fmt}"
    etag = client.get(url).headers["etag"]
    assert etag.startswith('W/"')
    assert client.get(url).headers["etag"] == etag
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert varies_on_accept(again)
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_export_etags_differ_by_query_and_format_and_not_by_spelling(client: TestClient) -> None:
    def tag(query: str, **headers: str) -> str:
        return str(client.get(f"/v1/incidents?{query}", headers=headers).headers["etag"])

    iraq = tag("country=IQ&format=csv")
    assert tag("country=Iraq&format=csv") == iraq
    assert tag("country=IQ", Accept="text/csv") == iraq
    assert tag("country=SY&format=csv") != iraq
    assert tag("country=IQ&format=ndjson") != iraq
    assert tag("country=IQ&format=csv&limit=1") != iraq
    assert tag("country=IQ&format=csv&sort=date") != iraq


def test_an_export_etag_changes_when_the_data_does(engine: Engine) -> None:
    with Session(engine) as session:
        load_bundle(session, bundle())
    with client_for(engine) as client:
        urls = [f"/v1/{r}?format=csv" for r in QUERIES]
        before = {url: client.get(url).headers["etag"] for url in urls}
        changed = bundle()
        changed["incidents"][0]["fatalities"] = 3
        changed["locations"][0]["name"] = "Fort Somewhere"
        changed["actors"][1]["name"] = "Imaginary Battalion"
        changed["quotes"][0]["channel"] = "statement"
        with Session(engine) as session:
            load_bundle(session, changed, replace=True)
        for url in urls:
            response = client.get(url, headers={"If-None-Match": before[url]})
            assert response.status_code == 200, url
            assert response.headers["etag"] != before[url], url
        rows = read_csv(client.get("/v1/incidents?format=csv").text)[1]
        assert (rows[0]["fatalities"], rows[0]["location_name"]) == ("3", "Fort Somewhere")


def test_export_etags_change_after_a_patch_and_a_delete(engine: Engine) -> None:
    """Edits through the API reach every export they show in (names, counts, links)."""
    seed(engine)
    key = new_key(engine)
    urls = [f"/v1/{r}?format=ndjson" for r in QUERIES]
    with client_for(engine) as c:
        url = f"/v1/incidents/{ROCKETS}"
        tags = {u: c.get(u).headers["etag"] for u in urls}
        moved = {"location": {"id": "green-village-base"}, "country": "SY"}
        edit = {**key, "If-Match": c.get(url).headers["etag"]}
        edit["Content-Type"] = "application/merge-patch+json"
        assert c.patch(url, content=json.dumps(moved), headers=edit).status_code == 200
        changed = {
            u: c.get(u).headers["etag"]
            for u in ("/v1/incidents?format=ndjson", "/v1/locations?format=ndjson")
        }
        for u, tag in changed.items():
            assert tag != tags[u], u
        tags |= changed
        gone = c.delete(url, headers={**key, "If-Match": c.get(url).headers["etag"]})
        assert gone.status_code == 204
        for u in urls:  # incident lists, location counts, actor counts, quote links
            response = c.get(u, headers={"If-None-Match": tags[u]})
            assert response.status_code == 200, u
        quotes = read_ndjson(c.get("/v1/quotes?format=ndjson").text)
        assert all(ROCKETS not in q["incident_ids"] for q in quotes)


# Streaming


def _many_incidents(engine: Engine, n: int) -> list[str]:
    """`n` more incidents under the test bundle's source; their ids, newest first."""
    with Session(engine) as session:
        load_bundle(session, bundle())
        session.add_all(
            Incident(
                id=f"bulk-{k:05d}",
                source_id="test-source",
                title=f"Bulk incident {k}",
                date_start=date(2000, 1, 1) + timedelta(days=k),
                date_end=date(2000, 1, 1) + timedelta(days=k),
                date_precision="day",
                event_type="Explosions/Remote violence",
                sub_event_type="Shelling/artillery/missile attack",
                country="IQ",
                location_id="fort-nowhere",
                fatalities=k % 5,
            )
            for k in range(n)
        )
        bump_version(session)  # as every writer of the record does (the loader, synth)
        session.commit()
    return ["test-rockets"] + [f"bulk-{k:05d}" for k in reversed(range(n))]


@pytest.mark.slow
def test_a_large_export_streams_in_batches(engine: Engine) -> None:
    expected = _many_incidents(engine, 2500)
    with client_for(engine) as client:
        url = "/v1/incidents?format=ndjson"
        with client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
            assert response.headers["x-total-count"] == "2501"
            chunks = list(response.iter_raw())
    # One chunk per batch of rows: the body is never built whole.
    assert [c.count(b"\n") for c in chunks] == [BATCH] * (2501 // BATCH) + [2501 % BATCH]
    rows = read_ndjson(b"".join(chunks).decode())
    assert [r["id"] for r in rows] == expected
    # A matching If-None-Match is answered before the body, which is then not produced.
    # (The tag is the identity body's: a gzip body has its own, RFC 9110 8.8.3.)
    with client_for(engine) as client:
        etag = response.headers["etag"]
        plain = {"If-None-Match": etag, "Accept-Encoding": "identity"}
        not_modified = client.get(url, headers=plain)
        assert (not_modified.status_code, not_modified.content) == (304, b"")
    with client_for(engine) as client:
        pages = _follow(client, "/v1/incidents?format=ndjson&limit=1000")
        assert pages == expected
        csv_ids = [r["id"] for r in read_csv(client.get("/v1/incidents?format=csv").text)[1]]
        assert csv_ids == expected


def test_a_page_ends_at_its_link_cursor_even_if_rows_arrive_meanwhile(engine: Engine) -> None:
    """Rows added between the headers and the body land in one page, never in a gap."""
    expected = _many_incidents(engine, 30)
    with client_for(engine) as client:
        # CSV: its header row goes out before any row is read, so the insert below
        # happens between the headers (with the Link) and the first batch.
        with client.stream("GET", "/v1/incidents?format=csv&limit=10&sort=date") as first:
            next_url = first.links["next"]["url"]
            with Session(engine) as session:  # sorts inside the first page
                session.add(
                    Incident(
                        id="bulk-00003-late",
                        source_id="test-source",
                        title="Late arrival",
                        date_start=date(2000, 1, 4),
                        date_end=date(2000, 1, 4),
                        date_precision="day",
                        event_type="Explosions/Remote violence",
                        sub_event_type="Shelling/artillery/missile attack",
                        country="IQ",
                    )
                )
                bump_version(session)
                session.commit()
            first.read()
            first_ids = ids_in(first)
        rest, total = _pages(client, next_url, None)
    assert total == len(expected) + 1
    ascending = list(reversed(expected[1:])) + ["test-rockets"]
    assert first_ids == ascending[:4] + ["bulk-00003-late"] + ascending[4:10]
    assert rest == ascending[10:]


# Documentation


@pytest.mark.parametrize("resource", QUERIES)
def test_openapi_documents_formats_columns_and_headers(client: TestClient, resource: str) -> None:
    operation = client.get("/openapi.json").json()["paths"][f"/v1/{resource}"]["get"]
    ok = operation["responses"]["200"]
    assert set(ok["content"]) == {
        "application/json",
        "text/csv",
        "application/geo+json",
        "application/x-ndjson",
    }
    assert {"ETag", "Link", "X-Total-Count", "Content-Disposition", "Vary"} <= set(ok["headers"])
    assert "format" in {p["name"] for p in operation["parameters"]}
    for column in COLUMNS[resource]:
        assert f"`{column}`" in operation["description"]


@pytest.mark.parametrize("resource", QUERIES)
def test_readme_lists_the_csv_columns(resource: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    row = re.search(rf"^\| {resource} \| (.*) \|$", readme, re.MULTILINE)
    assert row is not None
    assert re.findall(r"`([a-z0-9_]+)`", row.group(1)) == COLUMNS[resource]
