"""Behind a proxy: links from PUBLIC_URL, hosts outside ALLOWED_HOSTS refused, forwarded
headers believed only from FORWARDED_ALLOW_IPS (app.http.proxy).

Starlette's test client connects as the peer `testclient` and names the host `testserver`.
"""

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine

from app.config import Settings
from app.http.proxy import allowed_hosts
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import new_key
from tests.test_http import assert_problem

PUBLIC = "https://api.example.org/incidents"
EVIL = {"Host": "evil.example", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}

# Every kind of answer that carries a URL built from the request.
LINKED = [
    "/",
    "/v1/incidents?limit=1",
    "/v1/quotes?limit=1",
    "/v1/changes?since=0&limit=1",
    "/v1/incidents?limit=1&format=csv",
    "/ogc",
    "/ogc/api",
    "/ogc/api.html",
    "/ogc/collections",
    "/ogc/collections/incidents",
    "/ogc/collections/incidents/items?limit=1",
    "/ogc/collections/locations/items/ain-al-asad-air-base",
    "/openapi.json",
]


def _urls(response: httpx.Response) -> list[str]:
    """Every absolute URL in the response's body and its Link and Location headers."""
    text = " ".join(
        [response.text, response.headers.get("link", ""), response.headers.get("location", "")]
    )
    return [word.strip("<>\"',;") for word in text.replace('"', " ").split() if "://" in word]


@pytest.fixture
def public(seeded_engine: Engine) -> Iterator[TestClient]:
    with client_for(seeded_engine, Settings(public_url=PUBLIC + "/")) as c:
        yield c


@pytest.mark.parametrize("path", LINKED)
def test_links_are_built_from_the_public_url_whatever_the_request_says(
    public: TestClient, path: str
) -> None:
    response = public.get(path, headers={**EVIL, "Accept": "application/json"})
    assert response.status_code == 200, response.text
    ours = [u for u in _urls(response) if "example.org" in u or "evil" in u or "testserver" in u]
    assert ours, "the answer links somewhere"
    assert "evil" not in response.text
    assert "testserver" not in response.text
    for url in ours:
        assert url == PUBLIC or url.startswith(PUBLIC + "/"), url


def test_the_public_url_prefix_is_the_root_path(public: TestClient) -> None:
    page = public.get("/v1/incidents?limit=1").json()
    assert page["links"]["self"] == PUBLIC + "/v1/incidents?limit=1"
    forwarded = page["links"]["next"].removeprefix(PUBLIC)  # the proxy takes the prefix off
    assert public.get(forwarded).json()["data"] != page["data"]
    landing = public.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert landing.headers["location"] == "/incidents/explore"
    assert public.get("/openapi.json").json()["servers"][0]["url"] == PUBLIC
    assert public.get("/ogc/api").json()["servers"] == [{"url": PUBLIC + "/ogc"}]
    assert 'href="/incidents/static-offline-docs/swagger-ui.css"' in public.get("/docs").text


def test_a_write_locates_its_resource_at_the_public_url(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine, Settings(public_url=PUBLIC)) as c:
        created = c.post("/v1/sources", json=bundle(), headers={**key, **EVIL})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == PUBLIC + "/v1/sources/test-source"


@pytest.mark.parametrize("path", LINKED)
def test_a_host_outside_allowed_hosts_is_refused(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(path, headers={"Host": "evil.example"}), 400)
    assert body["type"].endswith(":host-not-allowed")
    assert "'evil.example'" in body["detail"]
    assert "ALLOWED_HOSTS" in body["detail"]


@pytest.mark.parametrize(
    "host", ["localhost:8000", "LOCALHOST", "127.0.0.1:8000", "[::1]:8000", "testserver"]
)
def test_local_hosts_are_served_by_default(client: TestClient, host: str) -> None:
    response = client.get("/v1/incidents?limit=1", headers={"Host": host})
    assert response.status_code == 200
    assert response.json()["links"]["self"] == f"http://{host}/v1/incidents?limit=1"


def test_allowed_hosts_is_the_list_served(seeded_engine: Engine) -> None:
    settings = Settings(allowed_hosts="api.example.org, 10.0.0.5,fe80::1")  # type: ignore[arg-type]
    with client_for(seeded_engine, settings) as c:
        for host in ("api.example.org", "api.example.org:443", "10.0.0.5:8000", "[fe80::1]"):
            assert c.get("/healthz", headers={"Host": host}).status_code == 200, host
        for host in ("testserver", "localhost", "example.org", "api.example.org.evil"):
            assert_problem(c.get("/healthz", headers={"Host": host}), 400)


def test_which_hosts_are_served_by_default() -> None:
    assert allowed_hosts(Settings()) == {"localhost", "127.0.0.1", "[::1]", "testserver"}
    # With PUBLIC_URL no link is built from the host: any host may be named.
    assert allowed_hosts(Settings(public_url=PUBLIC)) is None
    assert allowed_hosts(Settings(public_url=PUBLIC, allowed_hosts=["api.example.org"])) == {
        "api.example.org"
    }
    assert allowed_hosts(Settings(allowed_hosts=["*"])) is None


def test_with_a_public_url_any_host_is_served(public: TestClient) -> None:
    assert public.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "api.example.org",
        "ftp://api.example.org",
        "https://",
        "https://x.org/?a=1",
        "https://x.org/#a",
    ],
)
def test_a_public_url_must_be_a_base_url(url: str) -> None:
    with pytest.raises(ValidationError, match="PUBLIC_URL must be"):
        Settings(public_url=url)


def _logged_client(caplog: pytest.LogCaptureFixture) -> Any:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "app.access"]
    return lines[-1]["client"]


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_unless_the_peer_is_trusted(
    seeded_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    with client_for(seeded_engine) as c:
        links = c.get("/v1/incidents?limit=1", headers=FORWARDED).json()["links"]
    assert links["self"].startswith("http://testserver/")
    assert _logged_client(caplog) == "testclient"


def test_forwarded_headers_are_believed_from_a_trusted_proxy(
    seeded_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.access")
    settings = Settings(forwarded_allow_ips=["testclient"])
    with client_for(seeded_engine, settings) as c:
        links = c.get("/v1/incidents?limit=1", headers=FORWARDED).json()["links"]
        assert links["self"].startswith("https://testserver/")
        assert _logged_client(caplog) == "203.0.113.7"
        # A client's own X-Forwarded-For before the proxy's entry is not believed: the
        # client is the last address the trusted proxy appended.
        c.get("/healthz", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
        assert _logged_client(caplog) == "203.0.113.9"
