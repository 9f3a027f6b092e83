"""What browser dashboards and monitoring rely on: CORS, gzip, Cache-Control, /metrics."""

import gzip
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from tests.conftest import client_for


def client_with(engine: Engine, **settings: object) -> TestClient:
    return client_for(engine, Settings(**settings))  # type: ignore[arg-type]


def test_any_origin_may_get_by_default(client: TestClient) -> None:
    r = client.get("/v1/incidents", headers={"Origin": "https://dash.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = r.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed
    assert "link" in exposed


def test_preflight_allows_get_but_not_writes_by_default(client: TestClient) -> None:
    def preflight(method: str) -> int:
        headers = {"Origin": "https://dash.example", "Access-Control-Request-Method": method}
        return client.options("/v1/incidents", headers=headers).status_code

    assert preflight("GET") == 200
    assert preflight("DELETE") == 400


def test_cors_origins_and_methods_are_settings(seeded_engine: Engine) -> None:
    settings = {"cors_origins": "https://grafana.example", "cors_methods": "GET,HEAD,PATCH"}
    with client_with(seeded_engine, **settings) as c:
        allowed = c.get("/v1/countries", headers={"Origin": "https://grafana.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://grafana.example"
        other = c.get("/v1/countries", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        headers = {
            "Origin": "https://grafana.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Authorization, If-Match",
        }
        assert c.options("/v1/incidents/x", headers=headers).status_code == 200


def test_large_responses_are_gzipped_small_ones_not(client: TestClient) -> None:
    big = client.get("/v1/incidents?limit=100", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert big.json()["meta"]["total"] == 10  # httpx decodes it transparently
    raw = client.get("/v1/event-types", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) < len(raw.content)
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_gzip_body_has_its_own_etag(client: TestClient) -> None:
    """RFC 9110 8.8.3: a content coding is another representation (tests/test_http_rfc.py)."""
    plain = client.get("/v1/incidents?limit=100", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/incidents?limit=100", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert gzip.decompress(gzip.compress(plain.content)) == zipped.content


@pytest.mark.parametrize(
    ("path", "status", "policy"),
    [
        ("/v1/incidents", 200, "public, max-age=60"),
        ("/v1/incidents/2022-01-05-ain-al-asad-rockets", 200, "public, max-age=60"),
        ("/v1/incidents/nope", 404, "no-cache"),
        ("/healthz", 200, "no-cache"),
    ],
)
def test_cache_control_on_every_get(
    client: TestClient, path: str, status: int, policy: str
) -> None:
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["cache-control"] == policy


def test_304_keeps_cache_control_and_max_age_is_a_setting(seeded_engine: Engine) -> None:
    with client_with(seeded_engine, cache_max_age=5) as c:
        etag = c.get("/v1/countries").headers["etag"]
        again = c.get("/v1/countries", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.headers["cache-control"] == "public, max-age=5"


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text exposition."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            head, value = line.rsplit(" ", 1)
            got = ",".join(sorted(head[len(name) + 1 : -1].split(",")))
            if got == want:
                return float(value)
    raise AssertionError(f"no sample {name}{{{want}}}")


def test_metrics_count_requests_by_route_template_and_status(seeded_engine: Engine) -> None:
    with client_with(seeded_engine) as c:
        c.get("/v1/incidents/2022-01-05-ain-al-asad-rockets")
        c.get("/v1/incidents/2022-01-04-ain-al-asad-drone-attack")
        c.get("/v1/incidents/nope")
        c.get("/v1/incidents?contry=IQ")
        r = c.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["cache-control"] == "no-cache"
    detail = {"handler": "/v1/incidents/{incident_id}", "method": "GET"}
    assert metric(r.text, "http_requests_total", **detail, status="200") == 2
    assert metric(r.text, "http_requests_total", **detail, status="404") == 1
    listing = {"handler": "/v1/incidents", "method": "GET", "status": "400"}
    assert metric(r.text, "http_requests_total", **listing) == 1
    buckets = {**detail, "status": "200", "le": "+Inf"}
    assert metric(r.text, "http_request_duration_seconds_bucket", **buckets) == 2
    assert metric(r.text, "http_request_duration_seconds_count", **detail, status="200") == 2


def test_metrics_name_what_no_route_template_answered(seeded_engine: Engine) -> None:
    """As prometheus-fastapi-instrumentator named them: a 405 by the path it matched, a
    static file by its mount, HEAD as HEAD, no match (a 404, a refused request) as `none`;
    /metrics itself is not counted."""
    with client_with(seeded_engine) as c:
        c.post("/v1/incidents", json={})
        c.get("/explore/static/icon.svg")
        c.head("/v1/incidents")
        c.get("/nothing/here")
        c.get("/x" * 5000)
        c.get("/metrics")
        r = c.get("/metrics")
    count = partial(metric, r.text, "http_requests_total")
    assert count(handler="/v1/incidents", method="POST", status="405") == 1
    assert count(handler="/explore/static", method="GET", status="200") == 1
    assert count(handler="/v1/incidents", method="HEAD", status="200") == 1
    assert count(handler="none", method="GET", status="404") == 1
    assert count(handler="none", method="GET", status="414") == 1
    assert 'handler="/metrics"' not in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/incidents?country=IQ",
        "/v1/incidents?format=csv",
        "/v1/stats/incidents?group_by=month",
        "/v1/incidents/nope",
        "/v1/incidents?contry=IQ",
    ],
)
def test_head_is_get_without_the_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in ("content-type", "etag", "cache-control", "content-length"):
        assert head.headers.get(name) == get.headers.get(name), name
