"""`GET /`: a landing document of links for programs; a browser is sent to a page."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import Match

from app.http.negotiation import quality
from tests.conftest import client_for

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_the_landing_document_links_everything_and_each_link_answers(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "Accept" in response.headers["vary"]
    body = response.json()
    assert body["title"] == "Incident Record API"
    links = {
        (link["rel"], link["href"].removeprefix("http://testserver")) for link in body["links"]
    }
    collections = {
        "/v1/incidents",
        "/v1/quotes",
        "/v1/locations",
        "/v1/actors",
        "/v1/sources",
        "/v1/event-types",
        "/v1/countries",
        "/v1/stats/incidents",
        "/v1/changes",
    }
    assert {("data", path) for path in collections} <= links
    assert {
        ("self", "/"),
        ("service-desc", "/openapi.json"),
        ("service-doc", "/docs"),
        ("service-doc", "/redoc"),
        ("related", "/ogc"),
        ("status", "/healthz"),
        ("status", "/readyz"),
    } <= links
    # Every operation listable without parameters is linked, and nothing else under /v1.
    paths = client.get("/openapi.json").json()["paths"]
    listable = {
        p for p, ops in paths.items() if p.startswith("/v1/") and "{" not in p and "get" in ops
    }
    assert {path for rel, path in links if rel == "data"} == listable == collections
    ogc_served = client.get("/ogc").status_code != 404
    for link in body["links"]:
        if link["href"].endswith("/ogc") and not ogc_served:
            continue  # OGC API - Features comes with its own branch; linked all the same
        target = client.get(
            link["href"], params={"group_by": "year"} if "stats" in link["href"] else None
        )
        assert target.status_code == 200, (link, target.text)
        assert target.headers["content-type"].startswith(link["type"].split(";")[0]), link


@pytest.mark.parametrize(
    "accept", ["", "*/*", "application/json", "text/html;q=0.5, application/json"]
)
def test_programs_get_json(client: TestClient, accept: str) -> None:
    response = client.get("/", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.json()["links"]


@pytest.mark.parametrize("accept", [BROWSER, "text/html", "text/*, application/json;q=0.9"])
def test_a_browser_is_sent_to_the_explorer_or_else_the_docs(
    seeded_engine: Engine, accept: str
) -> None:
    with client_for(seeded_engine) as c:
        response = c.get("/", headers={"Accept": accept}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/explore"
        assert "Accept" in response.headers["vary"]
        assert c.get("/", headers={"Accept": accept}).status_code == 200  # the explorer
        alternate = [link for link in c.get("/").json()["links"] if link["rel"] == "alternate"]
        assert [link["href"] for link in alternate] == ["http://testserver/explore"]

        # An app that does not serve the explorer sends browsers to the docs, decided per
        # request with no change to the landing route.
        app: Any = c.app
        explore = {"type": "http", "path": "/explore", "method": "GET", "root_path": ""}
        app.router.routes = [r for r in app.routes if r.matches(explore)[0] != Match.FULL]
        response = c.get("/", headers={"Accept": accept}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/docs"
        assert c.get("/", headers={"Accept": accept}).status_code == 200  # the docs page


def test_head_and_the_openapi_document(client: TestClient) -> None:
    assert client.head("/").status_code == 200
    operation = client.get("/openapi.json").json()["paths"]["/"]["get"]
    assert operation["operationId"] == "landing"
    assert operation["tags"] == ["discovery"]
    assert set(operation["responses"]) >= {"200", "303", "400"}
    assert operation["security"] == []


@pytest.mark.parametrize(
    ("accept", "html", "json"),
    [
        ("", 0.0, 0.0),
        ("*/*", 1.0, 1.0),
        (BROWSER, 1.0, 0.8),
        ("text/*;q=0.3, text/html;q=0.7, */*;q=0.1", 0.7, 0.1),
        ("application/json, text/html;q=0", 0.0, 1.0),
        ("TEXT/HTML; Q=0.5", 0.5, 0.0),
        ("text/html;q=x", 0.0, 0.0),
    ],
)
def test_quality_takes_the_most_specific_range(accept: str, html: float, json: float) -> None:
    assert quality(accept, "text/html") == html
    assert quality(accept, "application/json") == json
