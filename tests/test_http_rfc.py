"""HTTP as RFC 9110 (semantics) and RFC 9111 (caching) say, clause by clause.

Each test names the section it checks. `Last-Modified` is sent by exports (the last
write to the data) and by `GET /v1/sources/{id}/text` (the source's `updated_at`).
tests/test_http_e2e.py checks the same over real HTTP, through uvicorn.
"""

import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.http.etag import etag_for, http_date, parse_http_date
from tests.conftest import client_for
from tests.helpers_writes import new_key, seed

INCIDENT = "/v1/incidents/2022-01-05-ain-al-asad-rockets"
EXPORT = "/v1/incidents?format=csv"
TEXT = "/v1/sources/afp-2022-01-05-coalition-under-fire/text"
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
IMF_FIXDATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


# §9.3.7 OPTIONS and §10.2.1 Allow; §15.5.6: a 405 MUST list the supported methods.

ALLOWED = [
    ("/v1/countries", "GET, HEAD, OPTIONS"),
    ("/v1/incidents/2022-01-05-ain-al-asad-rockets", "GET, HEAD, PATCH, DELETE, OPTIONS"),
    ("/v1/incidents/no-such-id", "GET, HEAD, PATCH, DELETE, OPTIONS"),
    ("/v1/sources", "GET, HEAD, POST, OPTIONS"),
    ("/healthz", "GET, HEAD, OPTIONS"),
]


@pytest.mark.parametrize(("path", "allow"), ALLOWED)
def test_405_lists_every_method_the_path_takes(client: TestClient, path: str, allow: str) -> None:
    response = client.put(path, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert allow in response.json()["detail"]


@pytest.mark.parametrize(("path", "allow"), ALLOWED)
def test_options_answers_204_with_allow(client: TestClient, path: str, allow: str) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.content == b""


def test_options_on_a_path_that_does_not_exist_is_404(client: TestClient) -> None:
    assert client.options("/v1/nothing-here").status_code == 404


def test_a_cors_preflight_is_still_a_preflight(client: TestClient) -> None:
    headers = {"Origin": "https://dash.example", "Access-Control-Request-Method": "GET"}
    response = client.options("/v1/incidents", headers=headers)
    assert response.status_code == 200
    assert "GET" in response.headers["access-control-allow-methods"]


# §15.4.5: a 304 MUST carry what the 200 would have among Content-Location, Date, ETag,
# Vary, and Cache-Control and Expires; Last-Modified helps caches update by date.

REPEATED_ON_304 = ("etag", "vary", "cache-control", "content-location", "expires", "last-modified")


@pytest.mark.parametrize("path", [INCIDENT, "/v1/countries", EXPORT, TEXT])
@pytest.mark.parametrize("coding", [IDENTITY, GZIP], ids=["identity", "gzip"])
def test_304_repeats_the_headers_of_the_200(
    client: TestClient, path: str, coding: dict[str, str]
) -> None:
    full = client.get(path, headers=coding)
    again = client.get(path, headers={**coding, "If-None-Match": full.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    for name in REPEATED_ON_304:
        assert again.headers.get(name) == full.headers.get(name), name
    assert "content-type" not in again.headers


def test_304_keeps_accept_encoding_in_vary(client: TestClient) -> None:
    full = client.get(INCIDENT, headers=GZIP)
    again = client.get(INCIDENT, headers={**GZIP, "If-None-Match": full.headers["etag"]})
    assert "Accept-Encoding" in again.headers["vary"]


# §8.8.3 and §12.5.3: a content coding makes another representation, with its own tag;
# a coding given q=0 is not acceptable.


def test_a_gzip_body_has_its_own_strong_etag(client: TestClient) -> None:
    plain = client.get(INCIDENT, headers=IDENTITY)
    with client.stream("GET", INCIDENT, headers=GZIP) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] == etag_for(plain.content)
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert int(zipped.headers["content-length"]) == len(raw) < len(plain.content)
    for response in (plain, zipped):  # both answers depend on Accept-Encoding
        assert "Accept-Encoding" in response.headers["vary"]
    # The same body codes to the same bytes (no time in the gzip header), so the tag holds.
    with client.stream("GET", INCIDENT, headers=GZIP) as second:
        assert b"".join(second.iter_raw()) == raw


def test_a_tag_validates_only_its_own_coding(client: TestClient) -> None:
    plain_tag = client.get(INCIDENT, headers=IDENTITY).headers["etag"]
    gzip_tag = client.get(INCIDENT, headers=GZIP).headers["etag"]
    assert client.get(INCIDENT, headers={**GZIP, "If-None-Match": gzip_tag}).status_code == 304
    assert client.get(INCIDENT, headers={**IDENTITY, "If-None-Match": gzip_tag}).status_code == 200
    assert client.get(INCIDENT, headers={**GZIP, "If-None-Match": plain_tag}).status_code == 200


@pytest.mark.parametrize(
    ("accept_encoding", "coded"),
    [
        ("gzip", True),
        ("GZIP;Q=0.5", True),
        ("br, gzip;q=0.001", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),  # named with q=0: refused, whatever `*` says
        ("*;q=0", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
    ],
)
def test_accept_encoding_weights_are_honoured(
    client: TestClient, accept_encoding: str, coded: bool
) -> None:
    response = client.get("/v1/incidents?limit=100", headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200
    assert (response.headers.get("content-encoding") == "gzip") is coded
    assert response.json()["meta"]["total"] == 10


def test_a_streamed_export_is_gzipped_as_it_streams(client: TestClient) -> None:
    plain = client.get(EXPORT, headers=IDENTITY)
    zipped = client.get(EXPORT, headers=GZIP)
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-length" not in zipped.headers
    assert zipped.content == plain.content
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert zipped.headers["etag"].startswith("W/")


# §13.1.1 If-Match: strong comparison; false for any tag when none matches; `*` matches
# any current representation. §13.2.2 step 1: false on a GET is a 412.


def test_if_match_on_a_get(client: TestClient) -> None:
    tag = client.get(INCIDENT, headers=IDENTITY).headers["etag"]
    for holds in (tag, f'"other", {tag}', "*"):
        response = client.get(INCIDENT, headers={**IDENTITY, "If-Match": holds})
        assert response.status_code == 200, holds
    stale = client.get(INCIDENT, headers={**IDENTITY, "If-Match": '"stale"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["type"].endswith(":precondition-failed")
    # A weak tag never matches in the strong comparison (§8.8.3.2), even its own.
    weak = client.get(EXPORT).headers["etag"]
    assert client.get(EXPORT, headers={"If-Match": weak}).status_code == 412


def test_if_match_on_a_gzip_get_compares_the_gzip_tag(client: TestClient) -> None:
    gzip_tag = client.get(INCIDENT, headers=GZIP).headers["etag"]
    assert client.get(INCIDENT, headers={**GZIP, "If-Match": gzip_tag}).status_code == 200
    assert client.get(INCIDENT, headers={**IDENTITY, "If-Match": gzip_tag}).status_code == 412


# §13.2.1: preconditions are ignored when the answer would not be a 2xx.


def test_preconditions_do_not_turn_a_404_into_a_412_or_304(client: TestClient) -> None:
    missing = "/v1/incidents/no-such-id"
    assert client.get(missing, headers={"If-Match": '"x"'}).status_code == 404
    assert client.get(missing, headers={"If-None-Match": "*"}).status_code == 404


# §13.1.2 If-None-Match: weak comparison; `*` matches any current representation.


def test_if_none_match_star_and_weak_comparison(client: TestClient) -> None:
    assert client.get(INCIDENT, headers={"If-None-Match": "*"}).status_code == 304
    weak = client.get(EXPORT).headers["etag"]
    strong_form = weak.removeprefix("W/")
    assert client.get(EXPORT, headers={"If-None-Match": strong_form}).status_code == 304


def test_an_ogc_page_keeps_its_tag_while_its_stamp_moves(engine: Engine) -> None:
    """OGC items carry `timeStamp`, the second they were made: the tag is of the rest
    (weak), so a page made a second later still gets its 304, and a write moves it."""
    seed(engine)
    key = new_key(engine)
    page = "/ogc/collections/incidents/items"
    with client_for(engine) as c:
        first = c.get(page, headers=IDENTITY)
        tag = first.headers["etag"]
        assert tag.startswith('W/"')
        time.sleep(1.1)  # the stamp counts whole seconds
        again = c.get(page, headers=IDENTITY)
        assert again.json()["timeStamp"] != first.json()["timeStamp"]
        assert again.headers["etag"] == tag
        assert c.get(page, headers={**IDENTITY, "If-None-Match": tag}).status_code == 304
        incident = "/v1/incidents/2022-01-04-ain-al-asad-drone-attack"
        current = c.get(incident, headers=IDENTITY).headers["etag"]
        assert c.delete(incident, headers={**key, "If-Match": current}).status_code == 204
        assert c.get(page, headers={**IDENTITY, "If-None-Match": tag}).status_code == 200
        assert c.get(page, headers=IDENTITY).headers["etag"] != tag


# §8.8.2 Last-Modified (an IMF-fixdate, §5.6.7) and §13.1.3 If-Modified-Since.


@pytest.mark.parametrize("path", [EXPORT, TEXT])
def test_if_modified_since(client: TestClient, path: str) -> None:
    full = client.get(path)
    last_modified = full.headers["last-modified"]
    assert IMF_FIXDATE.fullmatch(last_modified)
    moment = parse_http_date(last_modified)
    assert moment is not None
    earlier = http_date(moment - timedelta(seconds=1))
    later = http_date(moment + timedelta(days=1))
    for since, status in [(last_modified, 304), (later, 304), (earlier, 200)]:
        assert client.get(path, headers={"If-Modified-Since": since}).status_code == status
    # Not a date, or a list of dates: ignored.
    for bad in ("yesterday", f"{last_modified}, {last_modified}"):
        assert client.get(path, headers={"If-Modified-Since": bad}).status_code == 200
    # A recipient MUST ignore If-Modified-Since when If-None-Match is present.
    both = {"If-Modified-Since": later, "If-None-Match": '"other"'}
    assert client.get(path, headers=both).status_code == 200


def test_no_last_modified_where_none_is_known(client: TestClient) -> None:
    response = client.get(INCIDENT)
    assert "last-modified" not in response.headers
    since = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    assert client.get(INCIDENT, headers=since).status_code == 200


# §13.1.4 If-Unmodified-Since, and §13.2.2's order: If-Match, then If-Unmodified-Since
# (only without If-Match), then If-None-Match, then If-Modified-Since (only without it).


def test_if_unmodified_since_and_the_order_of_evaluation(client: TestClient) -> None:
    full = client.get(EXPORT)
    tag, modified = full.headers["etag"], parse_http_date(full.headers["last-modified"])
    assert modified is not None
    before = http_date(modified - timedelta(seconds=1))
    assert client.get(EXPORT, headers={"If-Unmodified-Since": before}).status_code == 412
    since = full.headers["last-modified"]
    assert client.get(EXPORT, headers={"If-Unmodified-Since": since}).status_code == 200
    # If-Match present: If-Unmodified-Since is not evaluated (`*` holds).
    either = {"If-Match": "*", "If-Unmodified-Since": before}
    assert client.get(EXPORT, headers=either).status_code == 200
    # A failed If-Match wins over a matching If-None-Match.
    first = {"If-Match": '"nope"', "If-None-Match": tag}
    assert client.get(EXPORT, headers=first).status_code == 412


def test_last_modified_moves_with_every_write(engine: Engine) -> None:
    """A delete leaves no `updated_at` behind: the export's date still moves past it."""
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        before = c.get(EXPORT)
        time.sleep(1.1)  # Last-Modified counts whole seconds
        incident = "/v1/incidents/2022-01-04-ain-al-asad-drone-attack"
        tag = c.get(incident, headers=IDENTITY).headers["etag"]
        assert c.delete(incident, headers={**key, "If-Match": tag}).status_code == 204
        after = c.get(EXPORT)
        old, new = (parse_http_date(r.headers["last-modified"]) for r in (before, after))
        assert old is not None
        assert new is not None
        assert new > old
        # What the client holds is older than the data: not a 304.
        since = {"If-Modified-Since": before.headers["last-modified"]}
        assert c.get(EXPORT, headers=since).status_code == 200


# RFC 9111 §5.2: every error says whether it may be stored; ours never may be reused.


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/v1/incidents/none", {}, 404),
        ("GET", "/v1/incidents?limit=abc", {}, 422),
        ("GET", "/v1/incidents?contry=IQ", {}, 400),
        ("GET", INCIDENT, {"If-Match": '"x"'}, 412),
        ("POST", "/v1/sources", {}, 401),
        ("DELETE", "/v1/countries", {}, 405),
        ("PATCH", INCIDENT, {"Authorization": "Bearer nonsense"}, 401),
    ],
)
def test_every_error_carries_cache_control(
    client: TestClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    assert response.headers["cache-control"] in ("no-store", "no-cache")
