"""Writing through the API: POST a bundle, export it, PATCH and DELETE an incident."""

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import Session

from app.config import Settings, get_settings
from app.http.etag import coded, etag_for
from app.loader import read_bundle_file, resolve_spans
from app.models import SourceBundle
from app.schemas.bundle import Bundle
from tests.conftest import client_for
from tests.helpers_bundles import TEXT, bundle, span
from tests.helpers_server import run_cli, running_server
from tests.helpers_writes import SEED_SOURCE, changes, dump, new_key, seed

INCIDENT = "2022-01-05-ain-al-asad-rockets"


def broken_bundle() -> dict[str, Any]:
    """An invented quote, a broken reference and a bad date."""
    data = bundle()
    data["quotes"][0]["text"] = "Many casualties,"
    data["incidents"][0]["location_id"] = "fort-elsewhere"
    data["incidents"][0]["date_start"] = "2099-13-01"
    return data


BROKEN_FIELDS = {"quotes[0].span", "incidents[0].location_id", "incidents[0].date_start"}


def test_post_a_new_bundle_then_the_same_then_a_different_one(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        created = c.post("/v1/sources", json=bundle(), headers=key)
        assert created.status_code == 201
        assert created.json() == {"source_id": "test-source", "outcome": "created"}
        assert created.headers["location"] == "http://testserver/v1/sources/test-source"
        assert c.get(created.headers["location"]).json()["text"] == TEXT
        assert c.get("/v1/incidents/test-rockets").status_code == 200

        before = dump(engine)
        same = c.post("/v1/sources", json=bundle(), headers=key)
        assert same.status_code == 200
        assert same.json()["outcome"] == "unchanged"
        assert dump(engine) == before

        different = bundle(title="Rockets hit Fort Nowhere again")
        conflict = c.post("/v1/sources", json=different, headers=key)
        assert conflict.status_code == 409
        assert "replace=true" in conflict.json()["detail"]
        assert dump(engine) == before
        replaced = c.post("/v1/sources?replace=true", json=different, headers=key)
        assert replaced.status_code == 200
        assert replaced.json()["outcome"] == "replaced"
        assert c.get("/v1/sources/test-source").json()["title"] == different["source"]["title"]


def test_an_invalid_bundle_is_refused_whole_and_nothing_changes(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    before = dump(engine)
    with client_for(engine) as c:
        refused = c.post("/v1/sources", json=broken_bundle(), headers=key)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert {e["field"] for e in problem["errors"]} == BROKEN_FIELDS
    assert problem["detail"] == "3 error(s) in the bundle"
    assert dump(engine) == before


@pytest.mark.slow
def test_import_on_the_command_line_gives_the_same_errors(engine: Engine, tmp_path: Path) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        api = c.post("/v1/sources", json=broken_bundle(), headers=key).json()
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken_bundle()), encoding="utf-8")
    result = run_cli(f"sqlite:///{tmp_path / 'cli.db'}", "import", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {api['detail']}"
    assert lines[1:] == [f"  {e['field']}: {e['message']}" for e in api["errors"]]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        (b"{not json", "application/json", 400, "invalid-body"),
        (b"[1, 2]", "application/json", 422, "invalid-bundle"),
        (json.dumps(bundle()).encode(), "text/plain", 415, "unsupported-media-type"),
        (b"x" * 5000, "application/json", 413, "payload-too-large"),
    ],
)
def test_a_body_that_is_not_a_bundle_is_a_clear_problem(
    engine: Engine, body: bytes, content_type: str, status: int, slug: str
) -> None:
    key = new_key(engine)
    with client_for(engine, Settings(max_body_bytes=4096)) as c:
        response = c.post(
            "/v1/sources", content=body, headers={**key, "Content-Type": content_type}
        )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(slug)
    assert "Traceback" not in response.text


@pytest.mark.parametrize("source_id", ["test-source", SEED_SOURCE])
def test_export_then_post_back_is_unchanged(engine: Engine, source_id: str) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        exported = c.get(f"/v1/sources/{source_id}/bundle")
        assert exported.status_code == 200
        assert exported.json()["source"]["text"] == c.get(f"/v1/sources/{source_id}/text").text
        seq = int(c.get("/v1/changes?since=0&limit=1000").json()["meta"]["next_cursor"])
        before = dump(engine)
        again = c.post("/v1/sources", json=exported.json(), headers=key)
        assert again.status_code == 200
        assert again.json()["outcome"] == "unchanged"
        assert dump(engine) == before
        assert changes(c, seq) == []


def test_seed_export_equals_the_seed_file(engine: Engine) -> None:
    seed(engine)
    with client_for(engine) as c:
        exported = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
    path = next(get_settings().seed_dir.glob("*.json"))
    # The file quotes the article's words; the export has their spans too.
    resolved, problems = resolve_spans(read_bundle_file(path))
    assert problems == []
    on_disk = Bundle.model_validate(resolved).model_dump(mode="json")
    assert exported == on_disk
    assert all(ex["start"] < ex["end"] for i in exported["incidents"] for ex in i["excerpts"])


def test_export_edit_replace_round_trips(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        exported = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
        incident = next(i for i in exported["incidents"] if i["id"] == INCIDENT)
        incident["summary"] = "Corrected summary."
        incident["fatalities"] = 0
        untouched = exported["incidents"][-1]["id"]
        stamp = c.get(f"/v1/incidents/{untouched}").json()["updated_at"]
        replaced = c.post("/v1/sources?replace=true", json=exported, headers=key)
        assert replaced.json()["outcome"] == "replaced"
        assert c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json() == exported
        detail = c.get(f"/v1/incidents/{INCIDENT}").json()
        assert detail["summary"] == "Corrected summary."
        assert c.get(f"/v1/incidents/{untouched}").json()["updated_at"] == stamp
        again = c.post("/v1/sources", json=exported, headers=key)
        assert again.json()["outcome"] == "unchanged"


def test_export_edit_replace_round_trips_a_posted_bundle(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        exported = c.get("/v1/sources/test-source/bundle").json()
        exported["source"]["title"] = "Rockets hit Fort Nowhere, corrected"
        exported["incidents"][0]["weapons"][0]["quantity_text"] = "rockets"
        replaced = c.post("/v1/sources?replace=true", json=exported, headers=key)
        assert replaced.json()["outcome"] == "replaced"
        assert c.get("/v1/sources/test-source/bundle").json() == exported
        assert c.get("/v1/incidents/test-rockets").json()["weapons"][0]["quantity_text"] == (
            "rockets"
        )
        assert c.post("/v1/sources", json=exported, headers=key).json()["outcome"] == "unchanged"


def etag(c: TestClient, incident_id: str) -> str:
    response = c.get(f"/v1/incidents/{incident_id}")
    assert response.status_code == 200
    return response.headers["etag"]


def test_patch_corrects_an_incident(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        got = c.get(f"/v1/incidents/{INCIDENT}")
        # The tag GET sends is the hash of the body it sends, marked as gzip-coded when it
        # is (RFC 9110 8.8.3): If-Match takes either form.
        assert got.headers["content-encoding"] == "gzip"
        assert got.headers["etag"] == coded(etag_for(got.content))
        patch = {"fatalities": 1, "summary": None, "location": {"id": "green-village-base"}}
        patch["country"] = "SY"
        patch["weapons"] = [{"kind": "rocket", "quantity": 6, "quantity_text": "six"}]
        patched = c.patch(
            f"/v1/incidents/{INCIDENT}",
            content=json.dumps(patch),
            headers={**key, "If-Match": got.headers["etag"]},
        )
        assert patched.status_code == 415  # a body needs its JSON media type
        patched = c.patch(
            f"/v1/incidents/{INCIDENT}",
            content=json.dumps(patch),
            headers={
                **key,
                "If-Match": got.headers["etag"],
                "Content-Type": "application/merge-patch+json",
            },
        )
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert body["fatalities"] == 1
        assert body["summary"] is None
        assert body["location"]["id"] == "green-village-base"
        assert body["country"] == "SY"
        assert body["weapons"][0]["quantity"] == 6
        assert body["title"] == got.json()["title"]
        assert body["updated_at"] > got.json()["updated_at"]
        after = c.get(f"/v1/incidents/{INCIDENT}")
        assert after.content == patched.content
        assert after.headers["etag"] == patched.headers["etag"]
        exported = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
        stored = next(i for i in exported["incidents"] if i["id"] == INCIDENT)
        assert stored["location_id"] == "green-village-base"
        assert "summary" not in stored or stored["summary"] is None


def test_patch_preconditions_and_refusals(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    url = f"/v1/incidents/{INCIDENT}"
    with client_for(engine) as c:
        tag = etag(c, INCIDENT)
        missing = c.patch(url, json={"fatalities": 1}, headers=key)
        assert missing.status_code == 428
        assert missing.headers["content-type"] == "application/problem+json"
        assert c.patch(url, json={"fatalities": 1}, headers={**key, "If-Match": tag}).is_success
        stale = c.patch(url, json={"fatalities": 2}, headers={**key, "If-Match": tag})
        assert stale.status_code == 412
        assert c.get(url).json()["fatalities"] == 1
        weak = c.patch(
            url, json={"fatalities": 2}, headers={**key, "If-Match": "W/" + etag(c, INCIDENT)}
        )
        assert weak.status_code == 412

        tag = etag(c, INCIDENT)
        before = dump(engine)
        for patch, fields in [
            ({"id": "renamed", "source_id": "x", "title": "T"}, {"id", "source_id"}),
            ({"colour": "red"}, {"colour"}),
            ({"location": {"name": "Elsewhere"}}, {"location"}),
            ({"date_start": "2022-02-30", "event_type": "Picnics"}, {"date_start", "event_type"}),
            (
                {"date_end": "2021-01-01", "location_id": "atlantis"},
                {"date_end", "location_id", "date_precision"},
            ),
            ({"title": None}, {"title"}),
            ({"fatalities": -1}, {"fatalities"}),
            ([1, 2], None),
        ]:
            refused = c.patch(url, json=patch, headers={**key, "If-Match": tag})
            assert refused.status_code == 422, (patch, refused.text)
            if fields is not None:
                assert {e["field"] for e in refused.json()["errors"]} == fields, patch
        assert dump(engine) == before
        assert (
            c.patch("/v1/incidents/nope", json={}, headers={**key, "If-Match": tag}).status_code
            == 404
        )


def test_delete_leaves_a_tombstone(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    url = f"/v1/incidents/{INCIDENT}"
    with client_for(engine) as c:
        original = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
        quoted = [q["id"] for q in original["quotes"] if INCIDENT in q["incident_ids"]]
        assert quoted
        assert c.delete(url, headers=key).status_code == 428
        assert c.delete(url, headers={**key, "If-Match": '"stale"'}).status_code == 412
        deleted = c.delete(url, headers={**key, "If-Match": etag(c, INCIDENT)})
        assert deleted.status_code == 204
        gone = c.get(url)
        assert gone.status_code == 404
        assert "was deleted at" in gone.json()["detail"]
        assert c.delete(url, headers={**key, "If-Match": "*"}).status_code == 404
        for qid in quoted:
            assert INCIDENT not in c.get(f"/v1/quotes/{qid}").json()["incident_ids"]
        ids = [i["id"] for i in c.get("/v1/incidents?limit=1000").json()["data"]]
        assert INCIDENT not in ids
        exported = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
        assert INCIDENT not in [i["id"] for i in exported["incidents"]]
        assert c.post("/v1/sources", json=exported, headers=key).json()["outcome"] == "unchanged"
        # A bundle that still holds the deleted id does not bring it back silently.
        before = dump(engine)
        again = c.post("/v1/sources?replace=true", json=original, headers=key)
        assert again.status_code == 422
        fields = {e["field"]: e["message"] for e in again.json()["errors"]}
        assert "a deleted id is not reused" in next(iter(fields.values()))
        assert dump(engine) == before


def later_bundle() -> dict[str, Any]:
    """A second source whose incident is a response to test-rockets."""
    later = bundle(id="later-source")
    later["locations"], later["actors"], later["quotes"] = [], [], []
    incident = later["incidents"][0]
    incident.update(id="later-rockets")
    incident["attributions"][0]["id"] = "later-attribution"
    incident["related"] = [{"relation": "response_to", "incident_id": "test-rockets"}]
    return later


def test_replace_keeps_relations_from_other_sources(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        assert c.post("/v1/sources", json=later_bundle(), headers=key).status_code == 201
        changed = bundle()
        changed["incidents"][0]["fatalities"] = 2
        assert c.post("/v1/sources?replace=true", json=changed, headers=key).status_code == 200
        related = c.get("/v1/incidents/later-rockets").json()["related"]
        assert [(r["incident_id"], r["relation"]) for r in related] == [
            ("test-rockets", "response_to")
        ]
        incoming = c.get("/v1/incidents/test-rockets").json()["related"]
        assert [(r["incident_id"], r["direction"]) for r in incoming] == [
            ("later-rockets", "incoming")
        ]
        # Removing the target would leave the other source's relation dangling: 409.
        before = dump(engine)
        emptied = bundle()
        emptied["incidents"], emptied["quotes"] = [], []
        refused = c.post("/v1/sources?replace=true", json=emptied, headers=key)
        assert refused.status_code == 409
        assert refused.json()["errors"][0]["message"] == "incident later-rockets relates to it"
        tag = etag(c, "test-rockets")
        deleting = c.delete("/v1/incidents/test-rockets", headers={**key, "If-Match": tag})
        assert deleting.status_code == 409
        assert dump(engine) == before


def race(n: int, send: Any) -> list[int]:
    """`n` threads call `send()` at once; their status codes."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        status = send(i)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(statuses)


def test_of_concurrent_patches_on_one_etag_exactly_one_wins(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    url = f"/v1/incidents/{INCIDENT}"
    with client_for(engine) as c:
        tag = etag(c, INCIDENT)

        def send(i: int) -> int:
            headers = {**key, "If-Match": tag}
            return c.patch(url, json={"title": f"Title {i}"}, headers=headers).status_code

        # More than the connection pool holds (5 + 10 overflow), so that a request that
        # held two connections at once would starve the pool.
        statuses = race(20, send)
        assert statuses == [200] + [412] * 19
        updates = [
            ch for ch in changes(c) if ch["resource_id"] == INCIDENT and ch["action"] == "update"
        ]
        assert len(updates) == 1


@pytest.mark.slow
def test_concurrent_patches_against_the_real_server(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        made = run_cli(
            f"sqlite:///{tmp_path / 'e2e.db'}",
            "keys",
            "create",
            "--name",
            "racer",
            "--scope",
            "write",
        )
        assert made.returncode == 0, made.stderr
        headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
        url = f"{server.base_url}/v1/incidents/{INCIDENT}"
        tag = httpx.get(url).headers["etag"]

        def send(i: int) -> int:
            patch = {"title": f"Title {i}"}
            return httpx.patch(
                url, json=patch, headers={**headers, "If-Match": tag}, timeout=30
            ).status_code

        assert race(12, send) == [200] + [412] * 11, server.log()
        winner = httpx.get(url).json()["title"]
        assert winner.startswith("Title ")
        feed = httpx.get(f"{server.base_url}/v1/changes", params={"limit": 1000}).json()
        updates = [ch for ch in feed["data"] if ch["action"] == "update"]
        assert [(u["resource_id"], u["key_name"], u["via"]) for u in updates] == [
            (INCIDENT, "racer", "api")
        ]


def test_patch_excerpt_spans_stay_checked(engine: Engine) -> None:
    """A patch cannot touch excerpts, and the incident it patches keeps its spans valid."""
    key = new_key(engine)
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        tag = etag(c, "test-rockets")
        refused = c.patch(
            "/v1/incidents/test-rockets",
            json={"excerpts": [span("Rockets hit Fort Nowhere")]},
            headers={**key, "If-Match": tag},
        )
        assert refused.status_code == 422
        assert refused.json()["errors"] == [{"field": "excerpts", "message": "unknown field"}]


def test_every_write_error_has_the_problem_shape(engine: Engine) -> None:
    key = new_key(engine)
    reader = new_key(engine, "read", "reader")
    url = "/v1/incidents/test-rockets"
    with client_for(engine, Settings(max_body_bytes=100_000)) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        tag = etag(c, "test-rockets")
        responses = {
            400: c.post(
                "/v1/sources", content=b"{", headers={**key, "Content-Type": "application/json"}
            ),
            401: c.post("/v1/sources", json=bundle()),
            403: c.post("/v1/sources", json=bundle(), headers=reader),
            404: c.patch("/v1/incidents/nope", json={}, headers={**key, "If-Match": tag}),
            409: c.post("/v1/sources", json=bundle(title="Other"), headers=key),
            412: c.delete(url, headers={**key, "If-Match": '"old"'}),
            413: c.post(
                "/v1/sources",
                content=b" " * 100_001,
                headers={**key, "Content-Type": "application/json"},
            ),
            415: c.patch(
                url, content=b"{}", headers={**key, "If-Match": tag, "Content-Type": "text/plain"}
            ),
            422: c.patch(url, json={"id": "x"}, headers={**key, "If-Match": tag}),
            428: c.delete(url, headers=key),
        }
    for status, response in responses.items():
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == status
        assert problem["type"].startswith("urn:incident-record:problem:")
        assert problem["title"]
        assert problem["detail"]


def test_a_source_loaded_before_bundles_were_kept(engine: Engine) -> None:
    """The migration adds no bundle for sources already loaded; loading it again does."""
    key = new_key(engine)
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        with Session(engine) as session:
            session.execute(delete(SourceBundle))
            session.commit()
        assert c.get("/v1/sources/test-source/bundle").status_code == 409
        tag = etag(c, "test-rockets")
        patch = c.patch("/v1/incidents/test-rockets", json={}, headers={**key, "If-Match": tag})
        assert patch.status_code == 409
        before = dump(engine)
        again = c.post("/v1/sources", json=bundle(), headers=key)
        assert again.json()["outcome"] == "unchanged"
        after = dump(engine)
        assert {t: rows for t, rows in after.items() if t != "source_bundle"} == {
            t: rows for t, rows in before.items() if t != "source_bundle"
        }
        exported = c.get("/v1/sources/test-source/bundle").json()
        assert exported == Bundle.model_validate(bundle()).model_dump(mode="json")
