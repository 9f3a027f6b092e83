"""The HTTP layer over real HTTP: the real `incident-record serve`, uvicorn in front.

One server for the module (starting one costs seconds): conditional requests and
codings, the request bounds as uvicorn's parser lets them through, path traversal as a
client sends it, the JSON access log, and failed authentication limited per client as a
trusted proxy reports it (the test is that proxy: FORWARDED_ALLOW_IPS=127.0.0.1).
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.helpers_bundles import bundle
from tests.helpers_server import LiveServer, run_cli, running_server
from tests.helpers_writes import bearer
from tests.test_http_rfc import GZIP, INCIDENT, REPEATED_ON_304
from tests.test_limits_and_injection import TRAVERSALS, assert_nothing_read

pytestmark = pytest.mark.slow  # a server in a process of its own, over real HTTP


@dataclass(frozen=True)
class Live:
    server: LiveServer
    key: str
    client: httpx.Client


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("http-e2e")
    url = f"sqlite:///{workdir / 'e2e.db'}"
    created = run_cli(url, "keys", "create", "--name", "importer", "--scope", "write")
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("ir_"), created.stdout + created.stderr
    settings = {
        "AUTH_FAILURE_LIMIT": "3",
        "AUTH_FAILURE_WINDOW": "2",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    with (
        running_server(workdir, database_url=url, env=settings) as server,
        httpx.Client(base_url=server.base_url, timeout=10.0) as client,
    ):
        yield Live(server, key, client)


def test_conditional_requests_and_codings(live: Live) -> None:
    c = live.client
    full = c.get(INCIDENT, headers=GZIP)
    assert full.headers["content-encoding"] == "gzip"
    assert full.headers["etag"].endswith('-gzip"')
    again = c.get(INCIDENT, headers={**GZIP, "If-None-Match": full.headers["etag"]})
    assert again.status_code == 304
    for name in REPEATED_ON_304:
        assert again.headers.get(name) == full.headers.get(name), name
    assert (
        c.get(INCIDENT, headers={"Accept-Encoding": "gzip;q=0"}).headers.get("content-encoding")
        is None
    )
    assert c.get(INCIDENT, headers={"If-Match": '"x"'}).status_code == 412
    assert c.options(INCIDENT).headers["allow"] == "GET, HEAD, PATCH, DELETE, OPTIONS"
    head = c.head(INCIDENT, headers=GZIP)
    assert head.headers["etag"] == full.headers["etag"]
    assert head.content == b""


def test_oversized_requests_reach_the_app_and_get_problems(live: Live) -> None:
    c = live.client
    long = c.get("/v1/incidents?admin1=" + "x" * 9000)
    assert long.status_code == 414
    assert long.headers["content-type"] == "application/problem+json"
    big = c.get("/v1/incidents", headers={"X-Big": "x" * 20000})
    assert big.status_code == 431
    assert big.json()["request_id"] == big.headers["x-request-id"]
    assert c.get("/healthz").status_code == 200  # and it goes on serving


def test_path_traversal_as_sent(live: Live) -> None:
    for path in TRAVERSALS:
        # Sent as written: httpx does not resolve percent-encoded dots.
        assert_nothing_read(live.client.get(httpx.URL(live.server.base_url + path)))


def test_access_log_is_json_lines_without_the_key(live: Live) -> None:
    c = live.client
    c.get("/v1/incidents?country=IQ&q=rocket%20base", headers={"X-Request-ID": "from-the-test"})
    wrong = live.key[:-3] + "xyz"
    c.post("/v1/sources", json=bundle(), headers=bearer(wrong))
    c.post("/v1/sources", json=bundle(), headers=bearer(live.key))
    time.sleep(0.3)  # the server writes its lines as it answers
    log = live.server.log_path.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    listed = next(line for line in lines if line["request_id"] == "from-the-test")
    assert (listed["method"], listed["route"], listed["status"]) == ("GET", "/v1/incidents", 200)
    assert listed["query"] == "country=IQ&q=rocket%20base"
    assert listed["client"] == "127.0.0.1"
    writes = [(w["status"], w["key"]) for w in lines if w["method"] == "POST"]
    assert writes[-2:] == [(401, None), (201, "importer")]
    for secret in (live.key, wrong, "Bearer"):
        assert secret not in log
    assert '"GET /v1/incidents?country=IQ' not in log  # uvicorn's own line is off


def test_failed_authentication_is_limited_per_client(live: Live) -> None:
    """Clients as a trusted proxy reports them in X-Forwarded-For (127.0.0.1 is named in
    FORWARDED_ALLOW_IPS here). Limit 3 within 2 s here."""
    good, guess = bearer(live.key), bearer("ir_000000000000_guess")
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    other = {"X-Forwarded-For": "198.51.100.9"}

    def post(headers: dict[str, str]) -> httpx.Response:
        return live.client.post("/v1/sources", json={"format": "nothing"}, headers=headers)

    for _ in range(5):  # a valid key never counts, however often it is used
        assert post({**good, **guesser}).status_code == 422
    assert [post({**guess, **guesser}).status_code for _ in range(3)] == [401] * 3
    limited = post({**guess, **guesser})
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 2
    # While limited, the right key is refused too: a 422 would tell a guesser "found it".
    assert post({**good, **guesser}).status_code == 429
    # Other clients are not affected, and reads without a key pass for everyone.
    assert post({**guess, **other}).status_code == 401
    assert post({**good, **other}).status_code == 422
    assert live.client.get("/v1/countries", headers=guesser).status_code == 200
    time.sleep(2.1)
    assert post({**good, **guesser}).status_code == 422
