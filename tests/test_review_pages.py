"""The replacing import the review pages rely on: `POST /v1/sources` with `If-Match` (the
`ETag` of `GET /v1/sources/{id}/bundle`) writes only if the stored bundle is still that
one. On SQLite and PostgreSQL.
"""

from sqlalchemy import Engine

from app.http.etag import etag_for, uncoded
from tests.conftest import client_for
from tests.factories import bundle
from tests.writing import SEED_SOURCE, dump, new_key, seed

INCIDENT = "2022-01-05-ain-al-asad-rockets"
IDENTITY = {"Accept-Encoding": "identity"}


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
