"""Who did what, and who may: request ids, access logs, security headers, and the rate
limit on failed authentication."""

import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.http import access_log
from app.http.headers import DOCS_PAGE_POLICY, PAGE_POLICY, ResponseHeaders
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import new_key

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
PREFLIGHT = {"Access-Control-Request-Method": "GET"}

# Every kind of answer: data, a file, a page, an asset, a 304, errors, OPTIONS, preflight.
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/v1/incidents?country=IQ", {}),
    ("HEAD", "/v1/incidents?country=IQ", {}),
    ("GET", "/v1/incidents?format=csv", {}),
    ("GET", "/v1/sources/afp-2022-01-05-coalition-under-fire/text", {}),
    ("GET", "/docs", {}),
    ("GET", "/redoc", {}),
    ("GET", "/static-offline-docs/swagger-ui-bundle.js", {}),
    ("GET", "/metrics", {}),
    ("GET", "/v1/countries", {"If-None-Match": "*"}),
    ("GET", "/v1/incidents/nope", {}),
    ("GET", "/v1/incidents?contry=IQ", {}),
    ("DELETE", "/v1/countries", {}),
    ("OPTIONS", "/v1/incidents", {}),
    ("OPTIONS", "/v1/incidents", {"Origin": "https://a.example", **PREFLIGHT}),
    ("GET", "/v1/incidents?admin1=" + "x" * 9000, {}),
    ("POST", "/v1/sources", {}),
]


@pytest.mark.parametrize(("method", "path", "headers"), REQUESTS)
def test_every_response_has_a_request_id_and_the_security_headers(
    client: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = client.request(method, path, headers=headers)
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    if response.headers.get("content-type", "").startswith("application/json"):
        assert "default-src 'none'" in policy


def test_request_ids_differ(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f2a9c1e-7b4d-4e1a-9c2b-5d6e7f8a9b0c", True),
        ("req_42:web@edge/a+b=c.d", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("has space", False),
        ("semi;colon", False),
        ("caf\u00e9", False),
        ("", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept(client: TestClient, incoming: str, kept: bool) -> None:
    raw = [(b"x-request-id", incoming.encode())]
    response = client.get("/v1/incidents/nope", headers=raw)  # type: ignore[arg-type]
    returned = response.headers["x-request-id"]
    assert (returned == incoming) is kept
    if not kept:
        assert GENERATED_ID.fullmatch(returned)
    assert response.json()["request_id"] == returned


def test_pages_may_run_only_their_own_scripts(client: TestClient) -> None:
    assert client.get("/redoc").headers["content-security-policy"] == PAGE_POLICY.decode()
    docs = client.get("/docs").headers["content-security-policy"]
    assert docs == DOCS_PAGE_POLICY.decode()  # FastAPI's Swagger UI starts from an inline script
    # The OGC API's Swagger UI starts from a script file: no inline script runs there.
    ogc = client.get("/ogc/api.html")
    assert ogc.headers["content-security-policy"] == PAGE_POLICY.decode()
    assert "<script>" not in ogc.text
    script = client.get("/ogc/api.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle(" in script.text
    assert "'unsafe-inline'" not in PAGE_POLICY.decode().split("script-src")[1].split(";")[0]


def test_a_route_keeps_its_own_policy() -> None:
    own = (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'")
    message = {"type": "http.response.start", "status": 200, "headers": [own]}
    ResponseHeaders(60, private=False).add(message, "GET", "/page", b"id")
    assert [v for k, v in message["headers"] if k == b"content-security-policy"] == [own[1]]


# Access log


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "app.access"]


def test_access_log_lines(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    key = new_key(engine, name="fact-checker")
    with client_for(engine) as c:
        c.head("/v1/incidents/nope", headers={"X-Request-ID": "trace-1"})
        c.post("/v1/sources", json=bundle(), headers=key)
        c.get("/no/such/path")
        c.get("/v1/incidents/x%0d%0a%7B%22status%22%3A200%7D")  # a forged line, escaped
    head, post, missing, forged = access_lines(caplog)
    assert set(head) == {
        "time",
        "request_id",
        "client",
        "method",
        "route",
        "path",
        "query",
        "status",
        "duration_ms",
        "key",
    }
    assert head["request_id"] == "trace-1"
    assert (head["method"], head["route"], head["status"]) == (
        "HEAD",
        "/v1/incidents/{incident_id}",
        404,
    )
    assert head["path"] == "/v1/incidents/nope"
    assert head["query"] == ""
    assert head["key"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", head["time"])
    assert (post["route"], post["status"], post["key"]) == ("/v1/sources", 201, "fact-checker")
    assert post["duration_ms"] > 0
    assert (missing["route"], missing["status"]) == (None, 404)
    assert forged["path"] == '/v1/incidents/x\r\n{"status":200}'
    assert all("\n" not in r.getMessage() for r in caplog.records if r.name == "app.access")
    secret = key["Authorization"].removeprefix("Bearer ")
    assert secret not in caplog.text


def test_access_log_off(seeded_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    with client_for(seeded_engine, Settings(access_log=False)) as c:
        c.get("/healthz")
    assert access_lines(caplog) == []


# Failed authentication, limited per client


@pytest.mark.parametrize(("enabled", "level"), [(True, "INFO"), (False, "WARNING")])
def test_serve_logs_json_lines_to_stdout_unless_turned_off(enabled: bool, level: str) -> None:
    """What `serve` gives uvicorn (the lines themselves: tests/test_http_e2e.py)."""
    options = access_log.uvicorn_options(Settings(access_log=enabled))
    assert options["access_log"] is False  # uvicorn's text line: ours replaces it
    logger = options["log_config"]["loggers"]["app.access"]
    assert logger["level"] == level
    handler = options["log_config"]["handlers"][logger["handlers"][0]]
    assert handler["stream"] == "ext://sys.stdout"
