"""Every edit explained and kept: reasons, each incident's history, the feed's reason."""

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, text
from sqlmodel import Session

from app.db import Author, write_session
from app.loader import import_bundle
from app.loader import write as loader_write
from app.main import create_app
from app.migrate import alembic_config
from app.models import IncidentVersion
from app.schemas.bundle import Bundle, BundleIncident
from app.schemas.resources import IncidentHistory
from app.services import history
from app.synth import synthesize
from tests.conftest import client_for
from tests.helpers_bundles import bundle
from tests.helpers_server import run_cli
from tests.helpers_writes import SEED_SOURCE, changes, dump, new_key, seed

INCIDENT = "2022-01-05-ain-al-asad-rockets"
URL = f"/v1/incidents/{INCIDENT}"
PREVIOUS_HEAD = "f77397e7eb9c"


def etag(c: TestClient, incident_id: str = INCIDENT) -> str:
    return str(c.get(f"/v1/incidents/{incident_id}").headers["etag"])


def versions(c: TestClient, incident_id: str = INCIDENT) -> list[dict[str, Any]]:
    """The whole history of an incident, newest first, following its pages."""
    out: list[dict[str, Any]] = []
    url: str | None = f"/v1/incidents/{incident_id}/history?limit=1000"
    while url:
        page = c.get(url)
        assert page.status_code == 200, page.text
        out += page.json()["data"]
        url = page.json()["links"]["next"]
    return out


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(IncidentVersion)) or 0


def patch(
    c: TestClient,
    key: dict[str, str],
    body: dict[str, Any],
    incident_id: str = INCIDENT,
    **kwargs: Any,
) -> Any:
    headers = {**key, "If-Match": etag(c, incident_id), **kwargs.pop("headers", {})}
    return c.patch(f"/v1/incidents/{incident_id}", json=body, headers=headers, **kwargs)


# Reasons


def test_a_reason_by_header_or_parameter_is_kept_in_the_history_and_the_feed(
    engine: Engine,
) -> None:
    seed(engine)
    key = new_key(engine, name="fact-checker")
    with client_for(engine) as c:
        since = int(c.get("/v1/changes?limit=1").json()["meta"]["total"])
        plain = patch(c, key, {"fatalities": 1}, headers={"X-Change-Reason": "AFP corrected"})
        assert plain.status_code == 200, plain.text
        # A header is ASCII on the wire: any other text comes percent-encoded as UTF-8.
        arabic = "وزارة الصحة: قتيلان — 100%"
        encoded = patch(c, key, {"fatalities": 2}, headers={"X-Change-Reason": quote(arabic)})
        assert encoded.status_code == 200, encoded.text
        by_parameter = patch(c, key, {"fatalities": 3}, params={"reason": "  Reuters: três  "})
        assert by_parameter.status_code == 200, by_parameter.text
        without = patch(c, key, {"fatalities": 4})
        assert without.status_code == 200
        blank = patch(c, key, {"fatalities": 5}, params={"reason": " "})
        assert blank.status_code == 200
        newest = versions(c)[:5]
        feed = [ch for ch in changes(c, since) if ch["resource"] == "incident"]
    reasons = ["AFP corrected", arabic, "Reuters: três", None, None]
    assert [v["reason"] for v in reversed(newest)] == reasons
    assert [(v["key_name"], v["via"], v["action"]) for v in newest] == [
        ("fact-checker", "api", "update")
    ] * 5
    assert [ch["reason"] for ch in feed] == reasons
    assert [v["changes"] for v in reversed(newest)] == [
        [{"field": "fatalities", "before": n, "after": n + 1}] for n in range(5)
    ]


def test_delete_and_a_replacing_import_take_a_reason_too(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine) as c:
        created = c.post("/v1/sources", json=bundle(), headers=key, params={"reason": "new"})
        assert created.status_code == 201
        edited = bundle()
        edited["incidents"][0]["injuries"] = 3
        replaced = c.post(
            "/v1/sources?replace=true",
            json=edited,
            headers={**key, "X-Change-Reason": "Second%20report"},
        )
        assert replaced.json()["outcome"] == "replaced"
        tag = etag(c, "test-rockets")
        gone = c.delete(
            "/v1/incidents/test-rockets",
            headers={**key, "If-Match": tag},
            params={"reason": "Duplicate of another report"},
        )
        assert gone.status_code == 204
        kept = versions(c, "test-rockets")
        feed = changes(c)
    assert [(v["action"], v["reason"]) for v in kept] == [
        ("delete", "Duplicate of another report"),
        ("update", "Second report"),
        ("create", "new"),
    ]
    # Every change a write makes carries its reason: the quote the delete updated too.
    by_reason = {(ch["resource"], ch["action"], ch["reason"]) for ch in feed}
    assert ("quote", "update", "Duplicate of another report") in by_reason
    assert ("source", "create", "new") in by_reason
    assert ("incident", "update", "Second report") in by_reason


@pytest.mark.parametrize(
    ("params", "headers", "status", "where", "message"),
    [
        ({"reason": "x" * 1001}, {}, 422, "reason", "must be at most 1000 characters long"),
        ({}, {"X-Change-Reason": "%C3%A9" * 1001}, 422, "X-Change-Reason", "at most 1000"),
        ({"reason": "a\x1bb"}, {}, 422, "reason", "control characters (U+001B at 2)"),
        ({"reason": "line\nbreak"}, {}, 422, "reason", "control characters (U+000A at 5)"),
        ({"reason": "\x85"}, {}, 422, "reason", "control characters (U+0085 at 1)"),
        ({}, {"X-Change-Reason": "tab%09"}, 422, "X-Change-Reason", "U+0009"),
        ({}, {"X-Change-Reason": "%FF%FE"}, 422, "X-Change-Reason", "not UTF-8"),
        ({}, {"X-Change-Reason": "café".encode()}, 422, "X-Change-Reason", "printable ASCII"),
        ({"reason": "a"}, {"X-Change-Reason": "b"}, 422, "reason", "give the reason once"),
        ({"reason": "a\x00"}, {}, 400, "reason", "NUL"),
    ],
)
def test_a_bad_reason_is_a_problem_naming_it_and_writes_nothing(
    engine: Engine,
    params: dict[str, str],
    headers: dict[str, Any],
    status: int,
    where: str,
    message: str,
) -> None:
    seed(engine)
    key = new_key(engine)
    before = dump(engine)
    with client_for(engine) as c:
        tag = etag(c)
        for response in (
            c.patch(
                URL,
                json={"fatalities": 9},
                params=params,
                headers={**key, "If-Match": tag, **headers},
            ),
            c.delete(URL, params=params, headers={**key, "If-Match": tag, **headers}),
            c.post(
                "/v1/sources",
                params={**params, "replace": "true"},
                json=bundle(),
                headers={**key, **headers},
            ),
        ):
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert [e["param"] for e in problem["errors"]] == [where]
            assert message in problem["errors"][0]["message"]
    assert dump(engine) == before


def test_the_longest_reason_fits(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    longest = "é" * 1000
    with client_for(engine) as c:
        assert patch(c, key, {"fatalities": 1}, params={"reason": longest}).status_code == 200
        by_header = patch(c, key, {"fatalities": 2}, headers={"X-Change-Reason": quote(longest)})
        assert by_header.status_code == 200, by_header.text
        assert [v["reason"] for v in versions(c)[:2]] == [longest, longest]


@pytest.mark.slow
def test_the_command_line_import_takes_a_reason(engine: Engine, tmp_path: Any) -> None:
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle()))
    assert run_cli(url, "import", str(path)).returncode == 0
    edited = bundle()
    edited["incidents"][0]["fatalities"] = 2
    path.write_text(json.dumps(edited))
    refused = run_cli(url, "import", str(path), "--replace", "--reason", "bad\x07bell")
    assert refused.returncode == 1
    assert "--reason: must not contain control characters (U+0007 at 4)" in refused.stderr
    done = run_cli(url, "import", str(path), "--replace", "--reason", "Ministry: two dead")
    assert done.returncode == 0, done.stderr
    with client_for(engine) as c:
        kept = versions(c, "test-rockets")
        feed = changes(c)
    assert [(v["action"], v["key_name"], v["via"], v["reason"]) for v in kept] == [
        ("update", None, "cli", "Ministry: two dead"),
        ("create", None, "cli", None),
    ]
    assert kept[0]["changes"] == [{"field": "fatalities", "before": 0, "after": 2}]
    assert feed[-1]["reason"] == "Ministry: two dead"


# The history


def bundle_record(data: dict[str, Any], n: int = 0) -> dict[str, Any]:
    """The record of the bundle's incident `n` as the loader stores it (defaults filled)."""
    return Bundle.model_validate(data).model_dump(mode="json")["incidents"][n]


def test_history_of_create_patch_replace_and_delete_field_by_field(engine: Engine) -> None:
    key = new_key(engine)
    original = bundle()
    rocket = {"kind": "rocket", "quantity": None, "quantity_text": "Rockets", "notes": None}
    guard = {"actor_id": "examplestan-guard", "role": "target", "notes": None}
    brigade = {"actor_id": "imaginary-brigade", "role": "perpetrator", "notes": None}
    with client_for(engine) as c:
        assert c.post("/v1/sources", json=original, headers=key).status_code == 201
        patched = patch(c, key, {"fatalities": 2, "weapons": []}, incident_id="test-rockets")
        assert patched.status_code == 200, patched.text
        replacing = bundle()
        replacing["incidents"][0].update(fatalities=2, weapons=[], title="Rockets and mortars")
        replacing["incidents"][0]["actors"].append(brigade)
        replaced = c.post("/v1/sources?replace=true", json=replacing, headers=key)
        assert replaced.json()["outcome"] == "replaced"
        # A replace that changes nothing of the incident adds no version of it.
        replacing["source"]["notes"] = "Only the source changed."
        assert c.post("/v1/sources?replace=true", json=replacing, headers=key).status_code == 200
        tag = etag(c, "test-rockets")
        c.delete("/v1/incidents/test-rockets", headers={**key, "If-Match": tag})
        kept = versions(c, "test-rockets")
    assert [v["action"] for v in kept] == ["delete", "update", "update", "create"]
    deleted, replaced_version, patched_version, created = kept
    # The creation lists every field it set, from nothing.
    assert created["changes"] == [
        {"field": name, "before": None, "after": value}
        for name, value in bundle_record(original).items()
        if name != "id" and value not in (None, [])
    ]
    assert {"field": "weapons", "before": None, "after": [rocket]} in created["changes"]
    assert patched_version["changes"] == [
        {"field": "fatalities", "before": 0, "after": 2},
        {"field": "weapons", "before": [rocket], "after": []},
    ]
    assert replaced_version["changes"] == [
        {"field": "title", "before": "Rockets hit Fort Nowhere", "after": "Rockets and mortars"},
        {"field": "actors", "before": [guard], "after": [guard, brigade]},
    ]
    # The deletion clears every field the incident had.
    assert deleted["changes"] == [
        {"field": name, "before": value, "after": None}
        for name, value in bundle_record(replacing).items()
        if name != "id" and value not in (None, [])
    ]
    seqs = [v["seq"] for v in kept]
    assert seqs == sorted(seqs, reverse=True)
    times = [v["at"] for v in kept]
    assert times == sorted(times, reverse=True)
    assert all(t.endswith("Z") for t in times)


def test_pages_newest_first_with_the_cursor_and_etags(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        for n in range(1, 5):
            assert patch(c, key, {"fatalities": n}, params={"reason": f"r{n}"}).is_success
        first = c.get(f"{URL}/history", params={"limit": 2})
        assert first.status_code == 200
        body = first.json()
        assert body["meta"] == {
            "total": 5,
            "total_relation": "eq",
            "limit": 2,
            "next_cursor": body["meta"]["next_cursor"],
        }
        pages, url = [body], body["links"]["next"]
        while url:
            pages.append(c.get(url).json())
            url = pages[-1]["links"]["next"]
        assert [len(p["data"]) for p in pages] == [2, 2, 1]
        assert pages[-1]["meta"]["next_cursor"] is None
        # The page boundary does not hide a change: each version is compared with the last.
        seen = [v for p in pages for v in p["data"]]
        assert [v["reason"] for v in seen] == ["r4", "r3", "r2", "r1", None]
        assert [v["changes"][0] for v in seen[:4]] == [
            {"field": "fatalities", "before": n - 1, "after": n} for n in (4, 3, 2, 1)
        ]
        assert seen == versions(c)
        assert seen[-1]["action"] == "create"
        # A GET like any other: an ETag, and 304 for it.
        tag = first.headers["etag"]
        again = c.get(f"{URL}/history", params={"limit": 2}, headers={"If-None-Match": tag})
        assert again.status_code == 304
        assert patch(c, key, {"fatalities": 5}).is_success
        changed = c.get(f"{URL}/history", params={"limit": 2}, headers={"If-None-Match": tag})
        assert changed.status_code == 200
        # Bad paging is a problem naming the parameter.
        for params, status, param in [
            ({"cursor": "nonsense"}, 400, "cursor"),
            ({"limit": 0}, 422, "limit"),
            ({"limit": 1001}, 422, "limit"),
            ({"sort": "date"}, 400, "sort"),
        ]:
            bad = c.get(f"{URL}/history", params=params)
            assert bad.status_code == status, (params, bad.text)
            assert bad.headers["content-type"] == "application/problem+json"
            assert [e["param"] for e in bad.json()["errors"]] == [param]


def test_a_deleted_incident_keeps_its_history_and_an_unknown_id_is_404(engine: Engine) -> None:
    seed(engine)
    key = new_key(engine)
    with client_for(engine) as c:
        c.delete(URL, headers={**key, "If-Match": etag(c)}, params={"reason": "Not an attack"})
        assert c.get(URL).status_code == 404
        kept = c.get(f"{URL}/history")
        assert kept.status_code == 200
        assert [(v["action"], v["reason"]) for v in kept.json()["data"]] == [
            ("delete", "Not an attack"),
            ("create", None),
        ]
        for unknown in ("never-was", "2022-01-05-ain-al-asad"):
            missing = c.get(f"/v1/incidents/{unknown}/history")
            assert missing.status_code == 404
            assert missing.headers["content-type"] == "application/problem+json"
            assert missing.json()["detail"] == f"no incident with id {unknown!r}"


def test_a_change_to_a_place_or_actor_is_no_version_of_the_incident(engine: Engine) -> None:
    """The incident's list entry shows the place's name (the feed says it changed), but
    its own record, its history, is the same."""
    key = new_key(engine)
    with client_for(engine) as c:
        c.post("/v1/sources", json=bundle(), headers=key)
        moved = bundle()
        moved["locations"][0]["latitude"] = 33.5
        assert c.post("/v1/sources?replace=true", json=moved, headers=key).status_code == 200
        assert ("incident", "update") in {
            (ch["resource"], ch["action"])
            for ch in changes(c)
            if ch["resource_id"] == "test-rockets"
        }
        assert [v["action"] for v in versions(c, "test-rockets")] == ["create"]


def test_a_failed_write_leaves_no_version(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(engine)
    key = new_key(engine)
    count = stored(engine)
    with client_for(engine) as c:
        stale = etag(c)
        assert patch(c, key, {"fatalities": -1}, params={"reason": "bad"}).status_code == 422
        assert patch(c, key, {"fatalities": 1}).is_success
        late = c.patch(URL, json={"fatalities": 2}, headers={**key, "If-Match": stale})
        assert late.status_code == 412
    assert stored(engine) == count + 1

    # A write that fails after its versions were added takes them back with the rest.
    def broken(_session: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(loader_write, "bump_version", broken)
    edited = bundle()
    before = dump(engine)
    with pytest.raises(RuntimeError, match="disk is full"):
        import_bundle(engine, edited, author=Author(reason="never stored"))
    assert dump(engine) == before
    assert stored(engine) == count + 1


def test_synth_writes_each_incident_first_version(engine: Engine) -> None:
    synthesize(engine, 60, seed=3)
    with Session(engine) as session:
        kept = list(session.scalars(select(IncidentVersion).order_by(IncidentVersion.seq)))
        ids = list(session.scalars(text("SELECT id FROM incident ORDER BY id")))
        fatalities = dict(session.execute(text("SELECT id, fatalities FROM incident")).all())
        excerpts = session.execute(text("SELECT incident_id, text FROM incident_excerpt")).all()
    assert sorted(v.incident_id for v in kept) == ids
    assert {(v.action, v.via, v.key_name, v.reason) for v in kept} == {
        ("create", "cli", None, None)
    }
    assert {v.at for v in kept} == {datetime(2026, 7, 1, tzinfo=UTC)}  # synth's fixed time
    for version in kept:
        record = version.record
        assert record is not None
        # The record is a bundle's incident record, exactly.
        assert BundleIncident.model_validate(record).model_dump(mode="json") == record
        assert record["fatalities"] == fatalities[version.incident_id]
    assert sorted((v.incident_id, e["text"]) for v in kept for e in v.record["excerpts"]) == sorted(
        (i, t) for i, t in excerpts
    )


def _sorted_children(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: sorted(v, key=json.dumps) if isinstance(v, list) and k != "added" else v
        for k, v in record.items()
    }


def test_a_record_built_from_rows_is_the_bundle_record(engine: Engine) -> None:
    """What synth and bulk importers store (`AS_STORED`) is what the loader stores."""
    seed(engine)
    with client_for(engine) as c:
        records = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()["incidents"]
    assert len(records) == 10
    with engine.connect() as connection:
        with connection.begin():
            at = datetime.now(UTC)
            versions: list[history.Version] = [
                (r["id"], history.AS_STORED, "update") for r in records
            ]
            history.record(connection, versions, author=Author(reason="rebuilt"), at=at)
            found = select(IncidentVersion).where(IncidentVersion.reason == "rebuilt")
            built = {v.incident_id: v.record for v in Session(connection).scalars(found)}
            connection.rollback()
    assert set(built) == {r["id"] for r in records}
    for record in records:
        assert list(built[record["id"]]) == list(record)
        assert _sorted_children(built[record["id"]]) == _sorted_children(record)


def test_the_upgrade_gives_every_stored_incident_a_first_version(engine: Engine) -> None:
    """A database at the previous revision, holding the seed and a synthetic set."""
    seed(engine)
    synthesize(engine, 40, seed=8)
    with Session(engine) as session:
        synthesized = {
            v.incident_id: v.record
            for v in session.scalars(
                select(IncidentVersion).where(IncidentVersion.action == "create")
            )
            if v.incident_id.startswith("synth-")
        }
        with write_session(engine) as writing:
            writing.execute(delete(IncidentVersion))
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, PREVIOUS_HEAD)
        tables = {
            r[0]
            for r in connection.execute(
                text(
                    "SELECT table_name FROM information_schema.tables"
                    if engine.dialect.name == "postgresql"
                    else "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            )
        }
        assert "incident_version" not in tables
    began = datetime.now(UTC)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    ended = datetime.now(UTC)
    with client_for(engine) as c:
        seeded = c.get(f"/v1/sources/{SEED_SOURCE}/bundle").json()["incidents"]
        first = versions(c)
    with Session(engine) as session:
        kept = list(session.scalars(select(IncidentVersion)))
        ids = set(session.scalars(text("SELECT id FROM incident")))
    assert sorted(v.incident_id for v in kept) == sorted(ids)
    assert len(ids) == 50
    for version in kept:
        assert (version.action, version.key_name, version.via, version.reason) == (
            "baseline",
            None,
            "cli",
            None,
        )
        assert began <= version.at <= ended
    records = {v.incident_id: v.record for v in kept}
    # From the stored bundle where there is one, exactly; else from the rows.
    assert {i["id"]: i for i in seeded} == {
        k: v for k, v in records.items() if k in {i["id"] for i in seeded}
    }
    assert len(synthesized) == 40
    for incident_id, record in synthesized.items():
        assert _sorted_children(records[incident_id]) == _sorted_children(record)
    assert [(v["action"], v["key_name"]) for v in first] == [("baseline", None)]
    assert first[0]["changes"][0] == {
        "field": "title",
        "before": None,
        "after": "Five rockets target Ain al-Asad air base",
    }


def test_the_document_describes_the_reason_and_the_history() -> None:
    document = create_app().openapi()
    writes = [
        ("/v1/incidents/{incident_id}", "patch"),
        ("/v1/incidents/{incident_id}", "delete"),
        ("/v1/sources", "post"),
    ]
    for path, method in writes:
        operation = document["paths"][path][method]
        parameters = {(p["name"], p["in"]): p for p in operation["parameters"]}
        reason = parameters[("reason", "query")]["schema"]
        assert reason["maxLength"] == history.REASON_MAX
        pattern = re.compile(reason["pattern"])
        assert pattern.search("Ministry: two dead — «correction» 🙂")
        assert not pattern.search("two\nlines")
        header = parameters[("X-Change-Reason", "header")]
        assert "percent-encode" in header["description"]
        assert re.compile(header["schema"]["pattern"]).search("caf%C3%A9 100%25")
        assert not re.compile(header["schema"]["pattern"]).search("café")
        assert "422" in operation["responses"]
    read = document["paths"]["/v1/incidents/{incident_id}/history"]["get"]
    assert {"200", "304", "400", "404", "422"} <= set(read["responses"])
    example = read["responses"]["200"]["content"]["application/json"]["example"]
    assert IncidentHistory.model_validate(example).data[0].changes[0].field == "fatalities"
    change = document["components"]["schemas"]["ChangeOut"]
    assert "reason" in change["required"]


def test_an_incident_a_replace_removes_and_brings_back_starts_again(engine: Engine) -> None:
    key = new_key(engine)
    without = bundle()
    without["incidents"], without["quotes"] = [], []
    with client_for(engine) as c:
        assert c.post("/v1/sources", json=bundle(), headers=key).status_code == 201
        assert c.post("/v1/sources?replace=true", json=without, headers=key).is_success
        assert c.get("/v1/incidents/test-rockets").status_code == 404
        assert c.post("/v1/sources?replace=true", json=bundle(), headers=key).is_success
        kept = versions(c, "test-rockets")
    assert [v["action"] for v in kept] == ["create", "delete", "create"]
    assert kept[0]["changes"] == kept[2]["changes"]  # from nothing again, every field set
    assert [c["before"] for c in kept[1]["changes"]] == [c["after"] for c in kept[2]["changes"]]
