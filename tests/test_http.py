"""Cross-cutting HTTP behaviour: ETag/304, one problem+json shape, health and readiness."""

from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.errors import PROBLEM_BASE, ApiError
from tests.conftest import client_for
from tests.helpers_writes import new_key

JSON = {"Content-Type": "application/json"}


def _subclasses(cls: type[ApiError]) -> set[type[ApiError]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


PATHS = [
    "/v1/incidents?country=IQ",
    "/v1/incidents/2022-01-05-ain-al-asad-rockets",
    "/v1/locations",
    "/v1/actors/iran-backed-groups",
    "/v1/quotes",
    "/v1/sources/afp-2022-01-05-coalition-under-fire/text",
    "/v1/event-types",
    "/v1/countries",
    "/openapi.json",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_get_has_an_etag_and_answers_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert client.get(path).headers["etag"] == etag  # stable
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": f'W/"x", {etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etags_differ_between_representations(client: TestClient) -> None:
    a = client.get("/v1/incidents?country=IQ").headers["etag"]
    b = client.get("/v1/incidents?country=SY").headers["etag"]
    assert a != b


# One problem shape for every path that can produce an error: our own errors, request
# validation, unknown parameters, Starlette's own 404 and 405, the request bounds, the
# precondition and authentication layers, a body too large or of the wrong type, and an
# unexpected failure.

PROBLEM_KEYS = {"type", "title", "status", "detail", "request_id", "errors"}
TITLES = {PROBLEM_BASE + c.slug: c.title for c in _subclasses(ApiError) | {ApiError}}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is a problem of `status` in the one shape, titled as its type says."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "request_id"} <= set(body) <= PROBLEM_KEYS
    assert body["status"] == status
    assert body["title"] == TITLES[body["type"]], "one title per problem type"
    assert body["request_id"] == response.headers["x-request-id"]
    for item in body.get("errors", []):
        assert set(item) in ({"param", "message"}, {"field", "message"}), item
    assert response.headers["cache-control"] in ("no-store", "no-cache")
    for forbidden in ("Traceback", "SELECT", "/work/", "site-packages", "Value error"):
        assert forbidden not in response.text
    return body


def test_problem_types_have_one_slug_each() -> None:
    classes = _subclasses(ApiError) | {ApiError}
    assert len({c.slug for c in classes}) == len(classes)


LONG_Q = "+".join(["word"] * 11)
CORS = {"Origin": "https://dashboard.example"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/v1/incidents/none", {}, 404),  # ours
        ("GET", "/v1/incidents?limit=abc", {}, 422),  # FastAPI's validation
        ("GET", "/v1/incidents?contry=IQ", {}, 400),  # unknown parameter
        ("GET", "/v1/incidents?country=Narnia", {}, 400),  # validation, as a 400
        ("GET", "/no/such/path", {}, 404),  # Starlette's 404
        ("DELETE", "/v1/countries", {}, 405),  # Starlette's 405
        ("GET", "/v1/incidents?q=" + "x" * 9000, {}, 414),
        ("GET", "/v1/incidents", {"X-Padding": "x" * 17000}, 431),
        ("GET", f"/v1/incidents?q={LONG_Q}", {}, 422),
        ("GET", "/v1/incidents/2022-01-05-ain-al-asad-rockets", {"If-Match": '"x"'}, 412),
        ("POST", "/v1/sources", {"Authorization": "Bearer nonsense"}, 401),
        ("GET", "/v1/incidents", {"Authorization": "Bearer nonsense"}, 401),  # reads check it
        ("GET", "/v1/incidents", {"Host": "evil.example"}, 400),  # ALLOWED_HOSTS
        ("OPTIONS", "/v1/incidents", {**CORS, "Access-Control-Request-Method": "DELETE"}, 400),
    ],
)
def test_error_shape(
    client: TestClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    assert_problem(client.request(method, path, headers=headers), status)


def test_a_refused_cors_preflight_says_what_was_refused(seeded_engine: Engine) -> None:
    settings = Settings(cors_origins=["https://dashboard.example"])
    with client_for(seeded_engine, settings) as c:
        ok = c.options("/v1/incidents", headers={**CORS, "Access-Control-Request-Method": "GET"})
        assert ok.status_code == 200
        asked = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "PUT"}
        refused = c.options("/v1/incidents", headers=asked)
    body = assert_problem(refused, 400)
    assert body["type"].endswith(":cors-preflight-refused")
    assert "origin, method" in body["detail"]
    assert "'https://elsewhere.example'" in body["detail"]
    assert "CORS_ORIGINS" in body["detail"]
    assert refused.headers["access-control-allow-methods"] == "GET, HEAD"  # Starlette's own
    assert "access-control-allow-origin" not in refused.headers


def test_error_shape_of_write_refusals_and_rate_limits(engine: Engine) -> None:
    key = new_key(engine)
    settings = Settings(max_body_bytes=100, auth_failure_limit=1)
    with client_for(engine, settings) as c:
        big = c.post("/v1/sources", content=b"{}" + b" " * 200, headers={**key, **JSON})
        assert_problem(big, 413)
        assert_problem(c.post("/v1/sources", content=b"x", headers=key), 415)
        wrong = {"Authorization": "Bearer ir_0_nope"}
        assert_problem(c.post("/v1/sources", json={}, headers=wrong), 401)
        limited = assert_problem(c.post("/v1/sources", json={}, headers=wrong), 429)
        assert "failed authentications" in limited["detail"]


def test_an_unexpected_error_is_a_bare_500_problem(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE quote_incident"))
    with client_for(engine) as client:
        client_no_raise = TestClient(client.app, raise_server_exceptions=False)
        response = client_no_raise.get("/v1/quotes")
    body = assert_problem(response, 500)
    # The log has what the client does not: the cause, under the same request id.
    logged = [r for r in caplog.records if r.getMessage().startswith("unhandled error")]
    assert logged[0].getMessage() == f"unhandled error (request {body['request_id']})"
    assert logged[0].exc_info is not None
    assert body == {
        "type": "urn:incident-record:problem:internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "An internal error.",
        "request_id": response.headers["x-request-id"],
    }
    assert response.headers["x-content-type-options"] == "nosniff"


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_when_migrated(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["schema_revision"]


def test_readyz_is_503_when_the_schema_is_behind(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    with client_for(engine) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "schema at old" in response.json()["detail"]


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: object) -> None:
    from app.db import make_engine

    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with client_for(engine) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "the database is unreachable"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_assets_from_the_app_only(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy
    assert "cdn" not in response.text
    assert "/static-offline-docs/" in response.text
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200


def test_json_responses_may_load_nothing_and_be_framed_nowhere(client: TestClient) -> None:
    policy = client.get("/v1/countries").headers["content-security-policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'"


def test_openapi_documents_every_operation(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    incidents = schema["paths"]["/v1/incidents"]["get"]
    assert incidents["summary"] == (
        "List incidents matching every filter given, newest first by default."
    )
    assert "overlaps" in incidents["description"]
    assert "text/plain" in schema["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    for path, item in schema["paths"].items():
        if path == "/metrics":  # Prometheus' own format, scraped, never cached
            continue
        for method, operation in item.items():
            assert operation["summary"], (path, method)
            responses = operation["responses"]
            if method == "get":
                assert "304" in responses, path
                assert "400" in responses, path
            for status, response in responses.items():
                if status[0] in "45":
                    content = list(response["content"])
                    assert content == ["application/problem+json"], (path, method, status)
    example = schema["components"]["schemas"]["IncidentOut"]["properties"]["id"]["examples"]
    assert example == ["2022-01-05-ain-al-asad-rockets"]


@pytest.mark.parametrize(
    ("path", "handoffs"),
    [
        ("/v1/incidents/2022-01-05-ain-al-asad-rockets", 1),
        ("/v1/incidents?country=IQ", 1),
        ("/v1/stats/incidents?group_by=month", 1),
        ("/v1/incidents?attributed_to=iran-backed-groups", 1),  # names: in the route's thread
    ],
)
def test_a_read_hands_off_to_the_thread_pool_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str, handoffs: int
) -> None:
    """The route's own function runs in the thread pool (it reads the database); its
    dependencies do not: a plain function given to `Depends` would add a hand-off, some
    0.1 ms a request each (docs/benchmarks.md, twelfth stop)."""
    called: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        called.append(getattr(function, "__qualname__", repr(function)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    assert client.get(path).status_code == 200
    assert len(called) == handoffs, called
