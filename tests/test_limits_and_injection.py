"""Bounded work per request, and hostile input through every parameter made harmless.

Limits: the request target (414), header fields (431), values per parameter and `q`
(422), each naming the bound. Injection: SQL and full-text operators through every query
parameter of every read, path traversal through ids and static files, header injection
through what ends up in headers, and spreadsheet formulas in CSV cells.
"""

import csv
import io
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import PROJECT_ROOT, Settings
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import new_key

# Limits


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def test_a_too_long_request_target_is_414(client: TestClient) -> None:
    body = problem(client.get("/v1/incidents?admin1=" + "x" * 8200), 414)
    assert "the limit is 8192" in body["detail"]
    assert problem(client.get("/v1/incidents/" + "x" * 8200), 414)
    assert client.get("/v1/incidents?admin1=" + "x" * 8000).status_code == 200


def test_too_large_header_fields_are_431(client: TestClient) -> None:
    body = problem(client.get("/v1/incidents", headers={"X-Big": "x" * 16400}), 431)
    assert "the limit is 16384" in body["detail"]
    assert client.get("/v1/incidents", headers={"X-Big": "x" * 15000}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "&".join(["country=IQ"] * 101),
        "country=" + ",".join(["IQ"] * 101),
        "&".join(["country=IQ,SY"] * 51),
    ],
    ids=["repeated", "comma-separated", "both"],
)
def test_a_parameter_takes_at_most_100_values(client: TestClient, query: str) -> None:
    body = problem(client.get(f"/v1/incidents?{query}"), 422)
    assert body["errors"][0]["param"] == "country"
    assert "at most 100" in body["errors"][0]["message"]


def test_100_values_are_served(client: TestClient) -> None:
    response = client.get("/v1/incidents?" + "&".join(["country=IQ,SY"] * 50))
    assert response.status_code == 200
    total = client.get("/v1/incidents?country=IQ,SY").json()["meta"]["total"]
    assert response.json()["meta"]["total"] == total > 0


def test_q_is_bounded_in_length_and_words(client: TestClient) -> None:
    long = problem(client.get("/v1/incidents", params={"q": "x" * 201}), 422)
    assert long["errors"] == [{"param": "q", "message": "201 characters; at most 200 are accepted"}]
    wordy = problem(client.get("/v1/quotes", params={"q": " ".join(["a"] * 11)}), 422)
    assert wordy["errors"] == [{"param": "q", "message": "11 words; at most 10 are accepted"}]
    # Commas in q are text, not a list: no values to count, and no words to search for.
    commas = problem(client.get("/v1/actors", params={"q": "," * 150}), 422)
    assert [e["param"] for e in commas["errors"]] == ["q"]
    assert "100" not in commas["errors"][0]["message"]
    assert client.get("/v1/actors", params={"q": "a," * 99 + "a"}).status_code == 200
    assert client.get("/v1/locations", params={"q": " ".join(["a"] * 10)}).status_code == 200


def test_the_bounds_are_settings_and_the_schema_states_them(seeded_engine: Engine) -> None:
    settings = Settings(
        max_uri_length=300, max_header_bytes=2000, max_parameter_values=2, max_q_terms=2
    )
    with client_for(seeded_engine, settings) as c:
        assert c.get("/v1/incidents?admin1=" + "x" * 300).status_code == 414
        assert c.get("/v1/incidents", headers={"X-Big": "x" * 2000}).status_code == 431
        assert c.get("/v1/incidents?country=IQ,SY,IR").status_code == 422
        assert c.get("/v1/incidents?q=one+two+three").status_code == 422
        assert c.get("/v1/incidents?q=one+two").status_code == 200
        schema = c.get("/openapi.json").json()
    q = next(p for p in schema["paths"]["/v1/incidents"]["get"]["parameters"] if p["name"] == "q")
    assert {"type": "string", "minLength": 1, "maxLength": 200} in q["schema"]["anyOf"]
    assert "200 characters and 2 words" in q["description"]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = {m.lower() for m in re.findall(r"^\| `([A-Z_]+)`", readme, re.MULTILINE)}
    table |= {m.lower() for m in re.findall(r"^\| `[A-Z_]+`, `([A-Z_]+)`", readme, re.MULTILINE)}
    assert set(Settings.model_fields) <= table, set(Settings.model_fields) - table


# Injection through every query parameter of every read: nothing leaks, nothing breaks,
# and an injected filter value matches nothing rather than everything.

SQL = ["' OR '1'='1", "1; DROP TABLE incident; --", "%"]
EXTRA: dict[str, str] = {"/v1/stats/incidents": "group_by=country"}


def _read_parameters(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    return [
        (path, parameter["name"])
        for path, item in schema["paths"].items()
        if "get" in item and "{" not in path
        for parameter in item["get"].get("parameters", [])
        if parameter["in"] == "query"
    ]


def _matched(path: str, response: httpx.Response) -> int:
    body = response.json()
    if path == "/v1/stats/incidents":
        return sum(row["incidents"] for row in body["data"])
    return int(body["meta"]["total"]) if "total" in body.get("meta", {}) else 0


def test_sql_through_every_query_parameter_is_harmless(client: TestClient) -> None:
    parameters = _read_parameters(client)
    assert len(parameters) > 40, parameters
    unfiltered = {"format", "csv_safe", "sort", "cursor", "limit", "since", "group_by"}
    for path, name in parameters:
        for payload in SQL:
            query = {name: payload}
            extra = EXTRA.get(path, "")
            response = client.get(f"{path}?{extra}", params=query)
            where = f"{path} {name}={payload!r}: {response.status_code}"
            assert response.status_code in (200, 400, 404, 422), where
            text = response.text
            assert "Traceback" not in text, where
            assert "SELECT" not in text, where
            assert "sqlite" not in text.lower(), where
            assert "psycopg" not in text.lower(), where
            # q is words, checked as such below (an empty word list may match everything).
            if response.status_code == 200 and name not in unfiltered and name != "q":
                assert _matched(path, response) == 0, where
    # Nothing was dropped or changed.
    assert client.get("/v1/incidents").json()["meta"]["total"] == 10


def _ids(client: TestClient, path: str, q: str | None) -> set[str]:
    params = {"limit": "1000", **({"q": q} if q is not None else {})}
    response = client.get(path, params=params)
    assert response.status_code == 200, (q, response.text)
    return {row["id"] for row in response.json()["data"]}


FULL_TEXT = [
    '"rockets"',
    "rock*",
    "rockets*",
    "NEAR(rockets base)",
    "NEAR(rockets base, 5)",
    "rockets OR zzzz",
    "rockets AND NOT base",
    "-rockets",
    "^rockets",
    "rockets & base",
    "rockets | zzzz",
    "!rockets",
    "rockets:*",
    "(rockets)",
    "'rockets'",
    "title:rockets",
    "{rockets}",
    "\\",
    "_",
    '"',
    "*",
    *SQL,
]


@pytest.mark.parametrize("path", ["/v1/incidents", "/v1/quotes", "/v1/actors", "/v1/locations"])
def test_full_text_operators_are_words_not_syntax(client: TestClient, path: str) -> None:
    """Whatever the search engine underneath (LIKE, FTS5, tsquery), `q` is words that must
    all occur: an operator never widens the answer (OR, NOT, -, NEAR) or breaks it."""
    for q in FULL_TEXT:
        words = re.findall(r"[^\W_]+", q)  # letters and digits (app.services.search)
        if not words:  # nothing to search for: a 422 naming q, not every incident
            response = client.get(path, params={"q": q})
            assert response.status_code == 422, (path, q, response.text)
            assert response.json()["errors"][0]["param"] == "q"
            continue
        found = _ids(client, path, q)
        assert found <= _ids(client, path, " ".join(words)), (path, q)
        if "zzzz" in words:
            assert found == set(), (path, q)
    assert _ids(client, "/v1/incidents", "rockets") != set()  # the word alone does match


# Path traversal through ids and static files.

TRAVERSALS = [
    "/v1/sources/..%2F..%2F..%2Fetc%2Fpasswd/text",
    "/v1/sources/%2e%2e%2f%2e%2e%2fpyproject.toml/text",
    "/v1/incidents/..%5c..%5cwindows",
    "/static-offline-docs/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static-offline-docs/%2e%2e/%2e%2e/%2e%2e/app/config.py",
    "/static-offline-docs/%2e%2e%2f%2e%2e%2fconfig.py",
]


def assert_nothing_read(response: httpx.Response) -> None:
    """Not found, and no file of the system or of the project in the answer."""
    assert response.status_code in (400, 404), (response.url, response.status_code)
    for content in ("root:", "[project]", "BaseSettings"):
        assert content not in response.text


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_finds_nothing(client: TestClient, path: str) -> None:
    assert_nothing_read(client.get(path))


# Header injection: nothing a client sends reaches a response header unencoded.


def test_no_header_injection_through_links_ids_or_request_ids(client: TestClient) -> None:
    crlf = "x\r\nSet-Cookie: pwned=1"
    exported = client.get("/v1/incidents", params={"format": "csv", "limit": "1", "q": crlf})
    assert exported.status_code in (200, 422)
    listed = client.get("/v1/incidents", params={"format": "csv", "limit": "1", "admin1": crlf})
    assert "set-cookie" not in listed.headers
    paged = client.get("/v1/incidents", params={"format": "csv", "limit": "1"})
    assert "\r" not in paged.headers["link"]
    assert "\n" not in paged.headers["link"]
    assert paged.headers["content-disposition"] == 'attachment; filename="incidents.csv"'
    bad_format = client.get("/v1/incidents", params={"format": 'csv"; filename="x.exe'})
    assert bad_format.status_code == 422
    # A request id that is not sane is replaced, never echoed.
    echoed = client.get("/healthz", headers={"X-Request-ID": "a b;c=d"})
    assert echoed.headers["x-request-id"] != "a b;c=d"


def test_no_header_injection_through_a_bundle_id(engine: Engine) -> None:
    key = new_key(engine)
    hostile = bundle()
    hostile["source"]["id"] = "x\r\nSet-Cookie: pwned=1"
    with client_for(engine) as c:
        response = c.post("/v1/sources", json=hostile, headers=key)
    assert response.status_code == 422
    assert "set-cookie" not in response.headers
    assert "location" not in response.headers


# Spreadsheet formulas in exported cells: exact by default, defused with csv_safe=true.

FORMULAS = [
    {"summary": '=HYPERLINK("http://evil.example")', "notes": "@SUM(A1)", "admin1": "+1+1"},
    {"summary": "\tx", "notes": "\rx", "admin1": "-2+3"},
]


def _csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def test_csv_cells_are_exact_by_default_and_defused_on_request(engine: Engine) -> None:
    key = new_key(engine)
    data = bundle()
    url = f"/v1/incidents/{data['incidents'][0]['id']}"
    with client_for(engine) as c:
        assert c.post("/v1/sources", json=data, headers=key).status_code == 201
        for patch in FORMULAS:
            tag = c.get(url).headers["etag"]
            headers = {**key, "If-Match": tag, "Content-Type": "application/merge-patch+json"}
            patched = c.patch(url, json=patch, headers=headers)
            assert patched.status_code == 200, patched.text
            exact = _csv_rows(c.get("/v1/incidents?format=csv"))[0]
            safe = _csv_rows(c.get("/v1/incidents?format=csv&csv_safe=true"))[0]
            for column, formula in patch.items():
                assert exact[column] == formula
                assert safe[column] == "'" + formula
            # Numbers stay numbers, and text that is no formula stays as it is.
            assert safe["longitude"] == exact["longitude"] == "44.0"
            assert safe["title"] == exact["title"]
        plain = c.get("/v1/incidents?format=csv").headers["etag"]
        assert c.get("/v1/incidents?format=csv&csv_safe=true").headers["etag"] != plain
