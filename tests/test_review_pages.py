"""The review pages as plain GETs, and the replacing import they rely on (`If-Match`).

`/explore/new` and `/explore/sources/{id}/edit` are served under the pages' policy with no
inline script; an unknown source's edit page is a 404. `POST /v1/sources` with `If-Match`
(the `ETag` of `GET /v1/sources/{id}/bundle`) writes only if the stored bundle is still that
one. On SQLite and PostgreSQL. The pages at work: tests/test_review_browser.py.
"""

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.http.etag import etag_for, uncoded
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import SEED_SOURCE, dump, new_key, seed

INCIDENT = "2022-01-05-ain-al-asad-rockets"
IDENTITY = {"Accept-Encoding": "identity"}


def _page(c: TestClient, path: str, status: int = 200) -> str:
    response = c.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    # Scripts come from files; no element runs code of its own.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", response.text, flags=re.S)
    assert all('src="/explore/static/js/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", response.text)
    return response.text


def test_the_review_pages_are_served_under_the_policy(seeded_engine: Engine) -> None:
    with client_for(seeded_engine) as c:
        new = _page(c, "/explore/new")
        assert '<script type="module" src="/explore/static/js/review.js">' in new
        assert 'id="article"' in new
        assert 'data-source=""' in new
        edit = _page(c, f"/explore/sources/{SEED_SOURCE}/edit")
        assert f'data-source="{SEED_SOURCE}"' in edit
        assert 'id="article"' not in edit  # the text is the stored one
        assert 'id="reason"' in edit
        # The vocabularies the page offers are the loader's.
        terms = json.loads(re.search(r'data-terms="([^"]*)"', edit)[1].replace("&#34;", '"'))
        assert terms["draft"] == "Draft guess (rule-based, not reviewed)"
        assert "Air/drone strike" in terms["event_types"]["Explosions/Remote violence"]
        assert terms["geo_precision"] == {"1": "exact", "2": "near", "3": "region"}
        for path in (
            "/explore",
            f"/explore/incidents/{INCIDENT}",
            f"/explore/sources/{SEED_SOURCE}",
        ):
            assert 'href="/explore/new"' in c.get(path).text, path  # in the header of each page
        source = c.get(f"/explore/sources/{SEED_SOURCE}").text
        assert f'href="/explore/sources/{SEED_SOURCE}/edit"' in source
        for script in ("review", "fields", "key", "marks", "words"):
            asset = c.get(f"/explore/static/js/{script}.js")
            assert asset.status_code == 200, script
            assert asset.headers["content-type"].startswith("text/javascript")


def test_an_unknown_source_has_no_edit_page(seeded_engine: Engine) -> None:
    with client_for(seeded_engine) as c:
        body = _page(c, "/explore/sources/no-such-source/edit", 404)
        assert "no source with id &#39;no-such-source&#39;" in body


def test_a_replace_with_if_match_writes_only_the_version_it_was_made_from(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        got = c.get(f"/v1/sources/{SEED_SOURCE}/bundle", headers=IDENTITY)
        # As for an incident: the tag is the hash of the body GET sends.
        assert got.headers["etag"] == etag_for(got.content)
        edited = got.json()
        edited["incidents"][0]["summary"] = "Corrected from the page."
        replaced = c.post(
            "/v1/sources?replace=true",
            json=edited,
            headers={**key, "If-Match": got.headers["etag"]},
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["outcome"] == "replaced"
        # The tag it was made from is now stale: a second writer from it is refused, whole.
        before = dump(engine)
        edited["incidents"][0]["summary"] = "A second writer."
        stale = c.post(
            "/v1/sources?replace=true",
            json=edited,
            headers={**key, "If-Match": got.headers["etag"]},
        )
        assert stale.status_code == 412
        assert stale.headers["content-type"] == "application/problem+json"
        assert "changed since that ETag" in stale.json()["detail"]
        assert dump(engine) == before
        # The current tag, gzip-coded as the browser gets it, holds.
        current = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").headers["etag"]
        assert current.endswith('-gzip"')
        again = c.post(
            "/v1/sources?replace=true", json=edited, headers={**key, "If-Match": current}
        )
        assert again.status_code == 200, again.text
        assert c.get(f"/v1/incidents/{edited['incidents'][0]['id']}").json()["summary"] == (
            "A second writer."
        )
        # A PATCH of one of its incidents changes the source's bundle, and so its tag.
        tag = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").headers["etag"]
        incident_tag = c.get(f"/v1/incidents/{INCIDENT}").headers["etag"]
        patched = c.patch(
            f"/v1/incidents/{INCIDENT}",
            json={"summary": "Patched by someone else."},
            headers={**key, "If-Match": incident_tag},
        )
        assert patched.status_code == 200, patched.text
        assert uncoded(c.get(f"/v1/sources/{SEED_SOURCE}/bundle").headers["etag"]) != uncoded(tag)
        late = c.post("/v1/sources?replace=true", json=edited, headers={**key, "If-Match": tag})
        assert late.status_code == 412


def test_if_match_names_a_source_that_must_exist(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        for tag in ('"0123456789abcdef0123456789abcdef"', "*"):
            refused = c.post("/v1/sources", json=bundle(), headers={**key, "If-Match": tag})
            assert refused.status_code == 412, tag
            assert "has no stored bundle" in refused.json()["detail"]
        assert c.get("/v1/sources/test-source").status_code == 404
        assert c.post("/v1/sources", json=bundle(), headers=key).status_code == 201


def test_the_openapi_document_says_so(seeded_engine: Engine) -> None:
    with client_for(seeded_engine) as c:
        operation = c.get("/openapi.json").json()["paths"]["/v1/sources"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "If-Match")
    assert header["in"] == "header"
    assert not header.get("required")
    assert "412" in operation["responses"]
