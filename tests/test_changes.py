"""The change feed: every create, update and delete, in order, with who made it."""

from datetime import datetime

from sqlalchemy import Engine

from app.config import Settings
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_writes import SEED_SOURCE, changes, new_key, seed


def test_a_user_posts_corrects_and_deletes_and_the_feed_says_so(engine: Engine) -> None:
    key = new_key(engine, "write", "fact-checker")
    with client_for(engine) as c:
        assert c.post("/v1/sources", json=bundle(), headers=key).status_code == 201
        tag = c.get("/v1/incidents/test-rockets").headers["etag"]
        patched = c.patch(
            "/v1/incidents/test-rockets", json={"fatalities": 1}, headers={**key, "If-Match": tag}
        )
        tag = patched.headers["etag"]
        c.delete("/v1/incidents/test-rockets", headers={**key, "If-Match": tag})
        feed = changes(c)
    incident = [(ch["resource_id"], ch["action"]) for ch in feed if ch["resource"] == "incident"]
    assert incident == [
        ("test-rockets", "create"),
        ("test-rockets", "update"),
        ("test-rockets", "delete"),
    ]
    assert {(ch["key_name"], ch["via"]) for ch in feed} == {("fact-checker", "api")}
    created = {(ch["resource"], ch["resource_id"]) for ch in feed if ch["action"] == "create"}
    assert created == {
        ("source", "test-source"),
        ("location", "fort-nowhere"),
        ("actor", "imaginary-front"),
        ("actor", "imaginary-brigade"),
        ("actor", "examplestan-guard"),
        ("incident", "test-rockets"),
        ("quote", "guard-no-casualties"),
    }
    # Deleting the incident took it out of the quote's incident_ids: an update.
    assert feed[-1]["resource"] == "quote"
    assert feed[-1]["action"] == "update"
    seqs = [ch["seq"] for ch in feed]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    for ch in feed:
        assert ch["at"].endswith("Z")
        assert datetime.fromisoformat(ch["at"]).utcoffset() is not None


def test_pages_follow_the_cursor_and_an_empty_page_keeps_it(engine: Engine) -> None:
    seed(engine)
    with client_for(engine) as c:
        everything = c.get("/v1/changes?limit=1000").json()
        total = everything["meta"]["total"]
        assert total == len(everything["data"]) > 3
        seen, since, pages = [], 0, 0
        while True:
            page = c.get("/v1/changes", params={"since": since, "limit": 3}).json()
            assert page["meta"]["total"] == total - len(seen)
            seen += page["data"]
            since, pages = int(page["meta"]["next_cursor"]), pages + 1
            if page["links"]["next"] is None:
                break
            assert page["links"]["next"].endswith(f"since={since}")
        assert seen == everything["data"]
        assert pages == -(-total // 3)
        last = everything["data"][-1]["seq"]
        empty = c.get("/v1/changes", params={"since": last}).json()
        assert empty["data"] == []
        assert empty["meta"]["next_cursor"] == str(last)
        assert empty["links"]["next"] is None
        for bad in ("-1", "x", "99999999999"):
            response = c.get("/v1/changes", params={"since": bad})
            assert response.status_code == 422
            assert response.json()["errors"][0]["param"] == "since"
        assert c.get("/v1/changes?cursor=abc").status_code == 400


def test_command_line_writes_have_no_key_name(engine: Engine) -> None:
    seed(engine)
    with client_for(engine) as c:
        feed = changes(c)
    assert feed[0] == {**feed[0], "resource": "source", "resource_id": SEED_SOURCE}
    assert {(ch["key_name"], ch["via"], ch["action"]) for ch in feed} == {(None, "cli", "create")}


def test_a_replace_records_only_what_differs(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        since = int(c.get("/v1/changes?limit=1").json()["meta"]["total"])
        exported = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
        first, second = exported["incidents"][0], exported["incidents"][1]
        first["notes"] = "Checked against a second report."
        exported["incidents"].remove(second)
        for incident in exported["incidents"]:
            incident["related"] = [
                r for r in incident["related"] if r["incident_id"] != second["id"]
            ]
        for quote in exported["quotes"]:
            quote["incident_ids"] = [i for i in quote["incident_ids"] if i != second["id"]]
        exported["quotes"][0]["notes"] = "Verified."
        expected = {("incident", first["id"], "update"), ("incident", second["id"], "delete")}
        stored = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()
        before = {i["id"]: i for i in stored["incidents"]}
        expected |= {
            ("incident", i["id"], "update")
            for i in exported["incidents"]
            if i != before[i["id"]] and i["id"] != first["id"]
        }
        old_quotes = {q["id"]: q for q in stored["quotes"]}
        expected |= {
            ("quote", q["id"], "update") for q in exported["quotes"] if q != old_quotes[q["id"]]
        }
        assert c.post("/v1/sources?replace=true", json=exported, headers=key).status_code == 200
        feed = changes(c, since)
    assert {(ch["resource"], ch["resource_id"], ch["action"]) for ch in feed} == expected
    assert len(feed) == len(expected)
    assert ("quote", exported["quotes"][0]["id"], "update") in expected


def test_a_refused_write_records_nothing(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        before = changes(c)
        broken = bundle()
        broken["incidents"][0]["location_id"] = "nowhere"
        assert c.post("/v1/sources", json=broken, headers=key).status_code == 422
        assert c.post("/v1/sources", json=bundle(title="x"), headers=key).status_code == 201
        assert c.post("/v1/sources", json=bundle(), headers=key).status_code == 409
        after = changes(c)
    assert after[: len(before)] == before
    assert {ch["resource_id"] for ch in after[len(before) :]} >= {"test-source", "test-rockets"}
    assert len([ch for ch in after if ch["resource"] == "source"]) == 2


def test_the_feed_is_a_read(engine: Engine) -> None:
    seed(engine)
    reader = new_key(engine, "read", "mirror")
    with client_for(engine, Settings(read_requires_key=True)) as c:
        assert c.get("/v1/changes").status_code == 401
        assert c.get("/v1/changes", headers=reader).status_code == 200


def test_a_changed_place_or_actor_updates_what_shows_it(engine: Engine) -> None:
    """Incidents (of any source) and quotes embed their place and actors' names."""
    key = new_key(engine)
    later = bundle(id="later-source")
    later["locations"], later["actors"], later["quotes"] = [], [], []
    later["incidents"][0]["id"] = "later-rockets"
    later["incidents"][0]["attributions"][0]["id"] = "later-attribution"
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        c.post("/v1/sources", json=later, headers=key)
        since = int(c.get("/v1/changes?limit=1000").json()["meta"]["next_cursor"])
        moved = bundle()
        moved["locations"][0]["latitude"] = 33.5
        moved["actors"][2]["name"] = "Examplestan Border Guard"  # the quote's speaker
        assert c.post("/v1/sources?replace=true", json=moved, headers=key).status_code == 200
        feed = {(ch["resource"], ch["resource_id"], ch["action"]) for ch in changes(c, since)}
        assert c.get("/v1/incidents/later-rockets").json()["location"]["latitude"] == 33.5
    assert feed == {
        ("location", "fort-nowhere", "update"),
        ("actor", "examplestan-guard", "update"),
        ("incident", "test-rockets", "update"),
        ("incident", "later-rockets", "update"),
        ("quote", "guard-no-casualties", "update"),
    }
