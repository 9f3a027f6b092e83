"""Importing UCDP GED and ACLED files into a real database, on SQLite and PostgreSQL: what
is stored, verbatim; a release again, and a newer one, in the change feed; bad rows;
refusals that leave nothing behind; the tallies; the command line and the HTTP upload.
"""

import csv
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, text

from app.cli import _ProgressBar
from app.config import Settings
from app.datasets import service, store
from app.datasets.service import ImportSummary, import_dataset
from app.db import Author
from app.errors import Conflict, InvalidDataset
from app.migrate import alembic_config
from app.models.common import utcnow
from tests.conftest import BACKENDS, client_for, migrated_engine
from tests.helpers_bundles import bundle
from tests.helpers_server import run_cli
from tests.helpers_writes import (
    changes,
    dump,
    new_key,
    search_figures_beside_incidents,
    seed,
    tallies_beside_grouped,
)

DATA = Path(__file__).parent / "data" / "datasets"
GED, NEWER, ACLED = (
    DATA / "ucdp-ged-23.1.csv",
    DATA / "ucdp-ged-24.1.csv",
    DATA / "acled-export.csv",
)
REGIONAL = DATA / "ucdp-ged-regional.csv"
IMPORTS = "/v1/datasets/imports"


def sql(engine: Engine, query: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(query), params))


def raw(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def as_json(value: Any) -> Any:
    """A JSON column as plain SQL reads it: text on SQLite, parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def counts(summary: ImportSummary) -> tuple[int, ...]:
    s = summary
    return (s.read, s.added, s.updated, s.unchanged, s.deleted, s.refused)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with client_for(engine) as c:
        yield c


# What is stored


def test_a_ged_release_is_stored_row_by_row_verbatim(engine: Engine) -> None:
    summary = import_dataset(engine, GED, release="23.1")
    assert counts(summary) == (12, 12, 0, 0, 0, 0)
    assert (summary.dataset, summary.format, summary.release) == ("ucdp-ged", "ucdp-ged", "23.1")
    rows = {f"ucdp-ged-{r['id']}": r for r in raw(GED)}
    stored = sql(
        engine,
        "SELECT i.id, i.source_id, i.country, i.fatalities, i.fatalities_low, "
        "i.fatalities_high, i.deaths_a, i.deaths_b, i.deaths_civilians, i.deaths_unknown, "
        "d.row_id, d.words, d.type_of_violence, d.dyad_name, d.conflict_name, d.side_a_new_id, "
        "d.date_prec, d.where_prec, d.admin2, l.name, l.latitude, l.longitude "
        "FROM incident i JOIN dataset_row d ON d.incident_id = i.id "
        "JOIN location l ON l.id = i.location_id",
    )
    assert {r.id for r in stored} == set(rows)
    for r in stored:
        row = rows[r.id]
        assert r.source_id == "ucdp-ged"
        figures = (r.fatalities, r.fatalities_low, r.fatalities_high)
        assert figures == (int(row["best"]), int(row["low"]), int(row["high"]))
        breakdown = (r.deaths_a, r.deaths_b, r.deaths_civilians, r.deaths_unknown)
        assert breakdown == tuple(
            int(row[f"deaths_{k}"]) for k in ("a", "b", "civilians", "unknown")
        )
        assert r.row_id == row["id"]
        words = as_json(r.words)
        for column in ("source_article", "source_headline", "source_original", "where_description"):
            assert words.get(column) == (row[column] or None), (r.id, column)
        assert (r.type_of_violence, r.dyad_name, r.conflict_name) == (
            int(row["type_of_violence"]),
            row["dyad_name"],
            row["conflict_name"],
        )
        assert (r.side_a_new_id, r.date_prec, r.where_prec) == (
            int(row["side_a_new_id"]),
            int(row["date_prec"]),
            int(row["where_prec"]),
        )
        assert r.admin2 == (row["adm_2"] or None)
        assert (r.name, r.latitude, r.longitude) == (
            row["where_coordinates"],
            float(row["latitude"]),
            float(row["longitude"]),
        )
    historical = {r.id: r.country for r in stored}
    assert historical["ucdp-ged-9000002"] == "CD"  # DR Congo (Zaire)
    assert historical["ucdp-ged-9000003"] == "YE"  # Yemen (North Yemen)
    assert historical["ucdp-ged-9000004"] == "RU"  # Russia (Soviet Union)

    (source,) = sql(
        engine,
        "SELECT kind, dataset_format, release, licence, citation, publisher, text "
        "FROM source WHERE id = 'ucdp-ged'",
    )
    assert source.kind == "dataset"
    assert (source.dataset_format, source.release, source.licence) == (
        "ucdp-ged",
        "23.1",
        "CC BY 4.0",
    )
    assert source.citation.startswith("Sundberg, Ralph, and Erik Melander, 2013")
    assert source.publisher.startswith("Uppsala Conflict Data Program")
    assert source.text == ""  # a dataset has no text of its own: its rows' words are kept


def test_sides_are_actors_with_ucdp_ids_and_roles(engine: Engine) -> None:
    import_dataset(engine, GED)
    links = sql(
        engine,
        "SELECT ia.incident_id, ia.role, a.id, a.name, a.kind, a.country, da.external_id "
        "FROM incident_actor ia JOIN actor a ON a.id = ia.actor_id "
        "LEFT JOIN dataset_actor da ON da.actor_id = a.id AND da.scheme = 'ucdp' "
        "WHERE ia.incident_id = 'ucdp-ged-9000009' ORDER BY ia.role",
    )
    assert [tuple(r[1:]) for r in links] == [
        ("perpetrator", "ucdp-actor-184", "Government of Myanmar (Burma)", "state", "MM", "184"),
        ("target", "ucdp-actor-1", "civilians", "civilians", None, "1"),
    ]
    # One actor per side across rows: "civilians" is the target of both one-sided events.
    (targets,) = sql(engine, "SELECT count(*) FROM incident_actor WHERE actor_id = 'ucdp-actor-1'")[
        0
    ]
    assert targets == 2


def test_a_side_matches_an_existing_actor_by_alias(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    rows = raw(GED)[:1]
    rows[0]["side_b"] = "islamic state GROUP"  # an alias of the seed's islamic-state
    before = sql(engine, "SELECT count(*) FROM actor")[0][0]
    import_dataset(engine, write(tmp_path / "one.csv", rows))
    assert sql(engine, "SELECT count(*) FROM actor")[0][0] == before + 1  # side a only
    linked = sql(
        engine,
        "SELECT actor_id FROM incident_actor WHERE incident_id = 'ucdp-ged-9000001' "
        "AND actor_id = 'islamic-state'",
    )
    assert linked
    assert sql(
        engine, "SELECT actor_id FROM dataset_actor WHERE scheme = 'ucdp' AND external_id = '90001'"
    ) == [("islamic-state",)]


def test_an_acled_export_is_stored(engine: Engine) -> None:
    summary = import_dataset(engine, ACLED)
    assert counts(summary) == (5, 5, 0, 0, 0, 0)
    assert summary.dataset == "acled"
    row = raw(ACLED)[0]
    (stored,) = sql(
        engine,
        "SELECT i.summary, i.event_type, i.fatalities, i.fatalities_low, d.row_id, d.words "
        "FROM incident i JOIN dataset_row d ON d.incident_id = i.id "
        "WHERE i.id = 'acled-nig90001'",
    )
    assert stored.summary == row["notes"]
    assert (stored.event_type, stored.fatalities, stored.fatalities_low) == (
        row["event_type"],
        4,
        None,
    )
    words = (
        stored.words if isinstance(stored.words, dict) else __import__("json").loads(stored.words)
    )
    assert words == {"notes": row["notes"], "source": row["source"]}
    roles = sql(
        engine,
        "SELECT a.name, ia.role FROM incident_actor ia JOIN actor a ON a.id = ia.actor_id "
        "WHERE ia.incident_id = 'acled-nig90001' ORDER BY a.name",
    )
    assert [tuple(r) for r in roles] == [
        ("Civilians (Nigeria)", "target"),
        ("Farmers (Nigeria)", "target"),
        ("Unidentified Armed Group (Nigeria)", "perpetrator"),
        ("Women (Nigeria)", "target"),
    ]


def test_imported_incidents_are_read_through_the_api(engine: Engine, client: TestClient) -> None:
    import_dataset(engine, GED)
    body = client.get("/v1/incidents/ucdp-ged-9000002").json()
    assert body["country"] == "CD"
    assert body["fatalities"] == 5
    assert body["event_type"] == "Violence against civilians"
    found = client.get("/v1/incidents", params={"q": "Mabanga"}).json()["data"]
    assert [i["id"] for i in found] == ["ucdp-ged-9000002"]


def test_the_full_text_index_is_right_after_a_bulk_import(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large files rebuild the SQLite full-text index once, at the end (as synth does)."""
    monkeypatch.setattr(service, "BULK_BYTES", 0)
    import_dataset(engine, GED)
    import_dataset(engine, NEWER)
    found = client.get("/v1/incidents", params={"q": "Hierbabuena"}).json()["data"]
    assert sorted(i["id"] for i in found) == ["ucdp-ged-9000005", "ucdp-ged-9000013"]
    assert client.get("/v1/incidents", params={"q": "Kotli"}).json()["data"] == []  # deleted
    # Updated: 24.1 writes Türkiye where 23.1 wrote Turkey in its title.
    found = client.get("/v1/incidents", params={"q": "Türkiye"}).json()["data"]
    assert [i["id"] for i in found] == ["ucdp-ged-9000010"]
    assert client.get("/v1/incidents", params={"q": "Turkey"}).json()["data"] == []


def words_index(engine: Engine) -> list[Any]:
    """The words index as stored. SQLite: its rows (keyed by date and incident rowid) and
    its list of terms; PostgreSQL: its rows with their keys' dates (the keys' low bits
    number the rows in the order they were written)."""
    if engine.dialect.name == "postgresql":
        return sql(
            engine,
            "SELECT incident_id, rowid >> 32, country, search::text FROM incident_search "
            "ORDER BY incident_id",
        )
    return [
        *sql(engine, "SELECT rowid, * FROM incident_search ORDER BY rowid"),
        *sql(engine, "SELECT term FROM incident_search_term ORDER BY term"),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_bulk_import_leaves_the_words_index_as_its_triggers_keep_it(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file is imported with the index's insert triggers off, the added incidents'
    rows written at the end, the updated and deleted ones kept by their triggers: after a
    release and a newer one (an incident added, one updated, one deleted), over the seed
    (incidents with quotes), the index is the one a small file's import keeps row by row."""
    indexes = []
    for bulk in (True, False):
        monkeypatch.setattr(service, "BULK_BYTES", 0 if bulk else 10**12)
        with migrated_engine(backend, tmp_path) as engine:
            seed(engine)
            indexes.append(
                [(import_dataset(engine, p), words_index(engine))[1] for p in (GED, NEWER)]
            )
            assert (
                sql(engine, "SELECT count(*) FROM incident_search")[0]
                == (sql(engine, "SELECT count(*) FROM incident")[0])
            )
    assert indexes[0] == indexes[1]


def test_the_migration_keeps_the_full_text_index_and_tallies_of_a_record(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    """Down past e4f7a2b9c1d6 and up again with the seed and a dataset in the database:
    the columns come and go in place (no copy of `incident`, whose rowids SQLite's
    full-text index keys on), and the tallies' triggers are replaced with the sums kept."""
    seed(engine)
    import_dataset(engine, GED)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "391a0d662212")
    assert sql(engine, "SELECT count(*) FROM incident")[0] == (22,)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    found = client.get("/v1/incidents", params={"q": "Mabanga"}).json()["data"]
    assert [i["id"] for i in found] == ["ucdp-ged-9000002"]
    assert client.get("/v1/incidents", params={"q": "rockets"}).json()["meta"]["total"] > 0
    # The estimates went with their columns; the tally counts none, as the incidents say.
    assert sql(engine, "SELECT sum(fatalities_low_known), sum(incidents) FROM incident_tally") == [
        (0, 22)
    ]
    # (A downgrade forgets what made `ucdp-ged` a dataset: a new row goes to a new one.)
    rows = raw(NEWER)[-1:]
    rows[0]["id"] = "9200013"
    import_dataset(engine, write(tmp_path / "later.csv", rows), dataset="ucdp-ged-later")
    assert sql(  # counted by the new triggers
        engine, "SELECT sum(fatalities_low_known), sum(fatalities_low) FROM incident_tally"
    ) == [(1, int(rows[0]["low"]))]


def test_the_history_migration_round_trips_under_a_dataset(
    engine: Engine, client: TestClient
) -> None:
    """Down past 391a0d662212 (the history) and up again with a dataset in the record:
    the backfill gives each imported incident its baseline, built from its rows, the same
    record as the import's own version of it."""
    import_dataset(engine, GED)
    imported = {
        r.incident_id: as_json(r.record)
        for r in sql(engine, "SELECT incident_id, record FROM incident_version")
    }
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "f77397e7eb9c")
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    baselines = sql(engine, "SELECT incident_id, action, record FROM incident_version")
    assert len(imported) == 12
    assert {r.incident_id for r in baselines} == set(imported)
    assert {r.action for r in baselines} == {"baseline"}
    for r in baselines:
        assert as_json(r.record) == imported[r.incident_id], r.incident_id
    assert [
        v["action"] for v in client.get("/v1/incidents/ucdp-ged-9000001/history").json()["data"]
    ] == ["baseline"]


# Releases


def test_the_same_file_again_changes_nothing(engine: Engine) -> None:
    seed(engine)
    import_dataset(engine, GED, release="23.1")
    before = dump(engine)
    again = import_dataset(engine, GED, release="23.1")
    assert counts(again) == (12, 0, 0, 12, 0, 0)
    assert dump(engine) == before  # not a row, nor the change feed, nor the record version


def test_a_newer_release_updates_adds_and_deletes_in_place(
    engine: Engine, client: TestClient
) -> None:
    import_dataset(engine, GED, release="23.1")
    (cursor,) = sql(engine, "SELECT max(seq) FROM change")[0]
    kept_at = sql(engine, "SELECT updated_at FROM incident WHERE id = 'ucdp-ged-9000001'")
    newer = import_dataset(engine, NEWER, release="24.1")
    assert counts(newer) == (12, 1, 2, 9, 1, 0)
    feed = [(c["resource"], c["resource_id"], c["action"]) for c in changes(client, cursor)]
    incident_changes = sorted(c for c in feed if c[0] == "incident")
    assert incident_changes == [
        ("incident", "ucdp-ged-9000003", "update"),  # its estimates revised
        ("incident", "ucdp-ged-9000010", "update"),  # its side renamed
        ("incident", "ucdp-ged-9000012", "delete"),  # gone from the release
        ("incident", "ucdp-ged-9000013", "create"),
    ]
    assert ("source", "ucdp-ged", "update") in feed  # its release
    (revised,) = sql(
        engine,
        "SELECT fatalities, fatalities_low, fatalities_high, deaths_b FROM incident "
        "WHERE id = 'ucdp-ged-9000003'",
    )
    assert tuple(revised) == (9, 5, 14, 7)
    # Untouched rows keep their updated_at; the renamed side keeps its actor.
    assert sql(engine, "SELECT updated_at FROM incident WHERE id = 'ucdp-ged-9000001'") == kept_at
    assert sql(
        engine,
        "SELECT actor_id FROM incident_actor WHERE incident_id = 'ucdp-ged-9000010' "
        "AND role = 'participant' AND actor_id = 'ucdp-actor-74'",
    )
    (dyad,) = sql(
        engine, "SELECT dyad_name FROM dataset_row WHERE incident_id = 'ucdp-ged-9000010'"
    )
    assert dyad[0] == "Government of Türkiye - Summit Partisans"
    # The deleted row is a tombstone: mirrors see it go, and its id reads as deleted.
    assert sql(engine, "SELECT resource_id FROM tombstone") == [("ucdp-ged-9000012",)]
    gone = client.get("/v1/incidents/ucdp-ged-9000012")
    assert gone.status_code == 404
    assert "was deleted at" in gone.json()["detail"]
    assert sql(engine, "SELECT count(*) FROM dataset_row WHERE incident_id = 'ucdp-ged-9000012'")[
        0
    ] == (0,)
    (release,) = sql(engine, "SELECT release FROM source WHERE id = 'ucdp-ged'")
    assert release[0] == "24.1"


def test_each_write_of_a_release_is_in_the_incidents_history(
    engine: Engine, client: TestClient
) -> None:
    """Created, updated and deleted by releases, each with its record as stored (built by
    the database) and the import's reason."""
    import_dataset(engine, GED, author=Author("cli", None, "GED 23.1"))
    import_dataset(engine, NEWER, author=Author("cli", None, "GED 24.1"))

    def history(incident_id: str) -> list[dict[str, Any]]:
        answer = client.get(f"/v1/incidents/{incident_id}/history")
        assert answer.status_code == 200, answer.text
        return list(answer.json()["data"])

    revised = history("ucdp-ged-9000003")  # newest first
    assert [(v["action"], v["reason"], v["via"]) for v in revised] == [
        ("update", "GED 24.1", "cli"),
        ("create", "GED 23.1", "cli"),
    ]
    (before,) = (int(r["best"]) for r in raw(GED) if r["id"] == "9000003")
    (after,) = (int(r["best"]) for r in raw(NEWER) if r["id"] == "9000003")
    assert {c["field"]: (c["before"], c["after"]) for c in revised[0]["changes"]} == {
        "fatalities": (before, after)
    }
    created = {c["field"]: c["after"] for c in revised[1]["changes"]}
    (stored,) = sql(
        engine,
        "SELECT title, date_start, event_type, country, fatalities FROM incident "
        "WHERE id = 'ucdp-ged-9000003'",
    )
    assert created["title"] == stored.title
    assert created["date_start"] == str(stored.date_start)
    assert (created["event_type"], created["country"]) == (stored.event_type, stored.country)
    assert {a["role"] for a in created["actors"]} == {"participant"}
    gone = history("ucdp-ged-9000012")
    assert [(v["action"], v["reason"]) for v in gone] == [
        ("delete", "GED 24.1"),
        ("create", "GED 23.1"),
    ]
    assert gone[0]["changes"]
    assert all(c["after"] in (None, []) for c in gone[0]["changes"])
    assert [v["action"] for v in history("ucdp-ged-9000001")] == ["create"]  # unchanged
    assert [v["action"] for v in history("ucdp-ged-9000013")] == ["create"]  # new in 24.1
    # One version per write in the feed, no more: the history and the feed agree.
    assert sql(engine, "SELECT count(*) FROM incident_version") == sql(
        engine, "SELECT count(*) FROM change WHERE resource = 'incident'"
    )


def test_an_id_a_former_release_deleted_comes_back_with_a_later_one(engine: Engine) -> None:
    import_dataset(engine, GED)
    import_dataset(engine, NEWER)
    back = import_dataset(engine, GED)
    assert (back.added, back.deleted) == (1, 1)  # 9000012 back, 9000013 gone
    assert sql(engine, "SELECT resource_id FROM tombstone ORDER BY 1") == [("ucdp-ged-9000013",)]


@pytest.mark.parametrize(
    "bulk", [(False, False, False), (True, False, True)], ids=["by-triggers", "rebuilt"]
)
def test_the_tallies_sum_the_estimates_as_plain_sql_does(
    engine: Engine, bulk: tuple[bool, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept row by row by the triggers, or (a large file) rebuilt after the import with
    the triggers off: the same sums either way, and the triggers are back after it (the
    second import, kept by them, agrees too)."""
    seed(engine)
    normal = service.BULK_BYTES
    for path, rebuilt in zip((GED, NEWER, ACLED), bulk, strict=True):
        monkeypatch.setattr(service, "BULK_BYTES", 0 if rebuilt else normal)
        import_dataset(engine, path)
        (tally, grouped), (places, by_place) = tallies_beside_grouped(engine)
        assert tally == grouped
        assert places == by_place
        figures, incidents = search_figures_beside_incidents(engine)
        assert figures == incidents
    revised = [v for k, v in tally.items() if k[0] == "2016-08" and k[1] == "YE"]
    assert revised == [(1, 9, 1, 5, 1, 14, 1, 0, 0)]  # after 24.1: best 9, low 5, high 14


def test_batches_written_beside_the_reading_give_the_same_record(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are written a batch at a time in a thread of their own while the next batch is
    read: batches of 2 make every file here several, with the same outcome as one."""
    monkeypatch.setattr(service, "BATCH", 2)
    assert counts(import_dataset(engine, GED)) == (12, 12, 0, 0, 0, 0)
    assert counts(import_dataset(engine, NEWER)) == (12, 1, 2, 9, 1, 0)
    feed = [(c["resource_id"], c["action"]) for c in changes(client) if c["resource"] == "incident"]
    assert len(feed) == 16
    assert ("ucdp-ged-9000012", "delete") in feed
    rows = raw(GED)
    rows.insert(7, dict(rows[1]))  # the same id again, in a later batch
    rows[3]["latitude"] = "100"
    with pytest.raises(InvalidDataset) as refused:
        import_dataset(engine, write(tmp_path / "twice.csv", rows))
    assert [e.field for e in refused.value.errors or []] == ["line 5, latitude", "line 9, id"]
    skipped = import_dataset(engine, write(tmp_path / "twice.csv", rows), skip_bad_rows=True)
    # 9000012 back, 9000013 gone, 9000003 and 9000010 back as they were in 23.1; the row
    # with the bad latitude (9000004) kept as it was, not deleted.
    assert counts(skipped) == (13, 1, 2, 8, 1, 2)
    assert sql(engine, "SELECT count(*) FROM incident WHERE id = 'ucdp-ged-9000004'") == [(1,)]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_statistics_are_refreshed_as_an_import_doubles_the_tables(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the planner's statistics of the tables a batch reads are taken again each
    time the import has doubled the rows it added (batches of 2: after 4 and 8 of 12), so
    that it plans each batch for the tables as they are, not as they were before it."""
    monkeypatch.setattr(store, "BATCH", 2)
    monkeypatch.setattr(service, "BATCH", 2)
    with migrated_engine(backend, tmp_path) as engine:
        import_dataset(engine, GED)
        reltuples = sql(
            engine,
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('incident', 'dataset_row')",
        )
    assert sorted(reltuples) == [("dataset_row", 8), ("incident", 8)]


def test_a_batch_looks_up_each_of_its_ids_by_key(engine: Engine) -> None:
    """A batch's ids are looked up one by one (a subquery per batch row, by key) in the
    stored incidents, their dataset rows and the ids seen so far: as joins, PostgreSQL's
    planner hashed every stored incident for each batch, the import's time growing with
    the square of its size."""
    import_dataset(engine, GED)
    explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection, connection.begin():
        store.Store(connection, service.MAPPINGS["ucdp-ged"], "ucdp-ged", Author(), utcnow())
        ids = [r["id"] for r in raw(GED)][:3] + ["not-stored"]
        connection.execute(
            text("INSERT INTO dataset_import_batch (id, line) VALUES (:id, :line)"),
            [{"id": f"ucdp-ged-{i}", "line": n} for n, i in enumerate(ids)],
        )
        for statement in (store._FOUND, store._EARLIER):
            plan = "\n".join(
                str(row[-1]) for row in connection.exec_driver_sql(explain + str(statement))
            )
            if engine.dialect.name == "postgresql":
                assert "SubPlan" in plan, plan
                assert "Join" not in plan, plan
            else:
                assert "CORRELATED SCALAR SUBQUERY" in plan, plan
                assert not re.search(r"SCAN (i|s|d)\b", plan), plan
        found = connection.execute(store._FOUND).all()
        assert sorted(r[0] for r in found) == sorted(f"ucdp-ged-{i}" for i in ids[:3])
        assert all(r[1] == "ucdp-ged" and r[2] for r in found), found


# Refusals


def bad_file(tmp_path: Path) -> Path:
    rows = raw(GED)
    rows[1]["date_start"] = "2021-05-32 00:00:00.000"
    rows[4]["latitude"] = "-95"
    return write(tmp_path / "bad.csv", rows)


def test_a_file_with_bad_rows_is_refused_whole_and_leaves_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    import_dataset(engine, ACLED)
    before = dump(engine)
    with pytest.raises(InvalidDataset) as refused:
        import_dataset(engine, bad_file(tmp_path))
    assert refused.value.detail.startswith("2 bad rows in bad.csv; nothing was imported.")
    assert [(e.field, e.message) for e in refused.value.errors or []] == [
        ("line 3, date_start", "'2021-05-32 00:00:00.000' is not a date (YYYY-MM-DD)"),
        ("line 6, latitude", "-95 is out of range (-90 to 90)"),
    ]
    assert dump(engine) == before


def test_a_refused_bulk_import_leaves_the_triggers_in_place(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The triggers are off during a large import, in its transaction: refused, it rolls
    their removal back with the rest, and the next import is kept by them."""
    monkeypatch.setattr(service, "BULK_BYTES", 0)
    with pytest.raises(InvalidDataset):
        import_dataset(engine, bad_file(tmp_path))
    monkeypatch.setattr(service, "BULK_BYTES", 10**12)
    import_dataset(engine, GED)
    assert sql(engine, "SELECT sum(incidents), sum(fatalities_high) FROM incident_tally") == [
        (12, sum(int(r["high"]) for r in raw(GED)))
    ]
    found = client.get("/v1/incidents", params={"q": "Mabanga"}).json()["data"]
    assert [i["id"] for i in found] == ["ucdp-ged-9000002"]


def test_skip_bad_rows_imports_the_rest(engine: Engine, tmp_path: Path) -> None:
    import_dataset(engine, GED)
    refused_rows: list[tuple[int, str | None, list[str]]] = []
    summary = import_dataset(
        engine,
        bad_file(tmp_path),
        skip_bad_rows=True,
        on_refused=lambda bad, fields: refused_rows.append((bad[0].line, bad[0].column, fields)),
    )
    assert counts(summary) == (12, 0, 0, 10, 0, 2)
    assert [(b.line, b.column, b.value) for b in summary.refused_rows] == [
        (3, "date_start", "2021-05-32 00:00:00.000"),
        (6, "latitude", "-95"),
    ]
    assert [(line, column, fields[0]) for line, column, fields in refused_rows] == [
        (3, "date_start", "9000002"),
        (6, "latitude", "9000005"),
    ]
    # A refused row's stored incident stays as it was: not updated, not deleted.
    assert sql(
        engine, "SELECT count(*) FROM incident WHERE id IN ('ucdp-ged-9000002', 'ucdp-ged-9000005')"
    )[0] == (2,)


def test_a_row_of_another_source_is_a_bad_row(engine: Engine) -> None:
    import_dataset(engine, GED)
    with pytest.raises(InvalidDataset) as refused:
        import_dataset(engine, GED, dataset="ucdp-ged-copy")
    assert len(refused.value.errors or []) == 12
    first = (refused.value.errors or [])[0]
    assert (first.field, first.message) == (
        "line 2, id",
        "incident ucdp-ged-9000001 belongs to source ucdp-ged, not this dataset",
    )
    assert sql(engine, "SELECT count(*) FROM source WHERE id = 'ucdp-ged-copy'") == [(0,)]
    # A regional file of its own ids is a dataset of its own, beside the global one.
    regional = import_dataset(engine, REGIONAL, dataset="ucdp-ged-regional")
    assert regional.added == 3
    assert sql(engine, "SELECT count(*) FROM incident")[0] == (15,)


def test_the_same_id_twice_in_a_file_is_a_bad_row(engine: Engine, tmp_path: Path) -> None:
    rows = raw(GED)
    rows.append(dict(rows[0]))
    with pytest.raises(InvalidDataset) as refused:
        import_dataset(engine, write(tmp_path / "twice.csv", rows))
    # The 12th row spans lines 13 to 15 (two of its words hold a line break).
    assert [(e.field, e.message) for e in refused.value.errors or []] == [
        ("line 16, id", "the same id as line 2")
    ]
    assert sql(engine, "SELECT count(*) FROM incident") == [(0,)]


def test_a_dataset_id_is_not_an_articles_nor_another_formats(engine: Engine) -> None:
    seed(engine)
    with pytest.raises(Conflict, match="is an article, not a dataset"):
        import_dataset(engine, GED, dataset="afp-2022-01-05-coalition-under-fire")
    import_dataset(engine, GED)
    with pytest.raises(Conflict, match="holds ucdp-ged rows; a acled file"):
        import_dataset(engine, ACLED, dataset="ucdp-ged")


def test_a_bundle_cannot_replace_a_dataset(engine: Engine, client: TestClient) -> None:
    import_dataset(engine, GED)
    key = new_key(engine)
    before = dump(engine)
    data = bundle(id="ucdp-ged")
    replaced = client.post("/v1/sources?replace=true", json=data, headers=key)
    assert replaced.status_code == 409
    assert "is a dataset" in replaced.json()["detail"]
    assert dump(engine) == before  # its incidents were not the bundle's to delete


def test_a_delete_that_another_source_refers_to_is_refused(
    engine: Engine, client: TestClient
) -> None:
    import_dataset(engine, GED)
    data = bundle()
    data["incidents"][0]["related"] = [
        {"relation": "response_to", "incident_id": "ucdp-ged-9000012"}
    ]
    posted = client.post("/v1/sources", json=data, headers=new_key(engine))
    assert posted.status_code == 201, posted.text
    before = dump(engine)
    with pytest.raises(Conflict) as refused:
        import_dataset(engine, NEWER)
    assert [(e.field, e.message) for e in refused.value.errors or []] == [
        ("incidents.ucdp-ged-9000012", "incident test-rockets relates to it")
    ]
    assert dump(engine) == before


# The command line


@pytest.mark.slow
def test_the_command_imports_and_prints_one_line(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    path = shutil.copy(GED, tmp_path / "GEDEvent_v23_1.csv")
    done = run_cli(url, "import-dataset", str(path), "--format", "ucdp-ged")
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith(
        "GEDEvent_v23_1.csv into ucdp-ged (ucdp-ged GEDEvent_v23_1): 12 rows read, 12 added, "
        "0 updated, 0 unchanged, 0 deleted, 0 refused in "
    )
    assert line.endswith(" rows/s)")
    assert done.stderr == ""  # no progress bar but on a terminal
    again = run_cli(url, "import-dataset", str(path), "--release", "GEDEvent_v23_1")
    assert ", 12 unchanged, " in again.stdout


def test_the_progress_bar_shows_the_share_of_the_file_read() -> None:
    out = io.StringIO()
    bar = _ProgressBar(out)
    bar(50, 200, 1000)
    bar(60, 200, 1200)  # within 0.2 s of the last: not redrawn
    bar(200, 200, 4000)  # the end: always drawn
    bar.end()
    assert out.getvalue() == (
        "\r[#######.......................]  25%  1,000 rows"
        "\r[##############################] 100%  4,000 rows\n"
    )


@pytest.mark.slow
def test_the_command_refuses_a_bad_file_listing_every_bad_row(
    engine: Engine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "import-dataset", str(bad_file(tmp_path)))
    assert done.returncode == 1
    assert done.stderr.startswith("every bad row: ")
    assert "error: 2 bad rows in bad.csv; nothing was imported." in done.stderr
    assert "  line 3, date_start: '2021-05-32 00:00:00.000' is not a date" in done.stderr
    report = raw(tmp_path / "bad.bad-rows.csv")
    assert [(r["line"], r["column"], r["value"]) for r in report] == [
        ("3", "date_start", "2021-05-32 00:00:00.000"),
        ("6", "latitude", "-95"),
    ]
    assert not (tmp_path / "bad.refused.csv").exists()
    assert sql(engine, "SELECT count(*) FROM incident") == [(0,)]


@pytest.mark.slow
def test_the_command_sets_bad_rows_aside(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "import-dataset", str(bad_file(tmp_path)), "--skip-bad-rows")
    assert done.returncode == 0, done.stderr
    assert ", 10 added, " in done.stdout
    assert ", 2 refused " in done.stdout
    assert f"2 refused rows: {tmp_path / 'bad.refused.csv'}" in done.stderr
    refused = raw(tmp_path / "bad.refused.csv")
    assert [(r["refused_line"], r["id"]) for r in refused] == [("3", "9000002"), ("6", "9000005")]
    assert refused[0]["refused_problems"].startswith("date_start: '2021-05-32")
    # Fixed, the refused rows import on their own: the extra columns are not read.
    for row in refused:
        row["date_start"] = row["date_start"].replace("-32", "-09")
        row["latitude"] = row["latitude"].replace("-95", "-9.5")
    fixed = write(tmp_path / "fixed.csv", refused)
    done = run_cli(url, "import-dataset", str(fixed), "--dataset", "ucdp-ged-fixes")
    assert ", 2 added, " in done.stdout, done.stderr


# Over HTTP


def upload(path: Path, **fields: str) -> dict[str, Any]:
    return {"files": {"file": (path.name, path.read_bytes())}, "data": fields}


def test_an_upload_imports_and_answers_the_summary(engine: Engine, client: TestClient) -> None:
    key = new_key(engine, name="importer")
    answer = client.post(
        IMPORTS, headers=key, params={"reason": "UCDP's 23.1"}, **upload(GED, release="23.1")
    )
    assert answer.status_code == 200, answer.text
    (version,) = sql(engine, "SELECT version FROM record_version")[0]
    assert answer.headers["x-record-version"] == str(version)
    body = answer.json()
    assert {k: body[k] for k in ("dataset", "format", "release", "file", "rows_read")} == {
        "dataset": "ucdp-ged",
        "format": "ucdp-ged",
        "release": "23.1",
        "file": "ucdp-ged-23.1.csv",
        "rows_read": 12,
    }
    assert (body["added"], body["refused"], body["refused_rows"]) == (12, 0, [])
    feed = changes(client)
    assert {c["key_name"] for c in feed} == {"importer"}
    assert {c["via"] for c in feed} == {"api"}
    assert {c["reason"] for c in feed} == {"UCDP's 23.1"}
    source = client.get("/v1/sources/ucdp-ged")
    assert source.status_code == 200


def test_an_upload_of_a_zip_with_options(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(ACLED, "2023-acled-export.csv")
        archive.writestr("Terms.txt", "terms of use")
    answer = client.post(
        IMPORTS,
        headers=new_key(engine),
        **upload(path, format="acled", dataset="acled-west-africa", skip_bad_rows="false"),
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["dataset"], answer.json()["release"], answer.json()["added"]) == (
        "acled-west-africa",
        "2023-acled-export",
        5,
    )


def test_an_upload_with_bad_rows_is_a_422_listing_them(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    key = new_key(engine)
    refused = client.post(IMPORTS, headers=key, **upload(bad_file(tmp_path)))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "urn:incident-record:problem:invalid-dataset"
    assert problem["errors"][0] == {
        "field": "line 3, date_start",
        "message": "'2021-05-32 00:00:00.000' is not a date (YYYY-MM-DD)",
    }
    assert sql(engine, "SELECT count(*) FROM incident") == [(0,)]
    skipped = client.post(IMPORTS, headers=key, **upload(bad_file(tmp_path), skip_bad_rows="true"))
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["refused_rows"] == [
        {
            "line": 3,
            "column": "date_start",
            "value": "2021-05-32 00:00:00.000",
            "message": "'2021-05-32 00:00:00.000' is not a date (YYYY-MM-DD)",
        },
        {
            "line": 6,
            "column": "latitude",
            "value": "-95",
            "message": "-95 is out of range (-90 to 90)",
        },
    ]


def test_an_upload_refused_for_its_form_or_its_layout(engine: Engine, client: TestClient) -> None:
    key = new_key(engine)
    wrong_layout = client.post(IMPORTS, headers=key, **upload(GED, format="acled"))
    assert wrong_layout.status_code == 422
    assert "lacks the columns ACLED requires: event_id_cnty" in wrong_layout.json()["detail"]
    no_file = client.post(IMPORTS, headers=key, data={"format": "acled"}, files={"x": ("a", b"")})
    assert no_file.status_code == 422
    assert {(e["field"], e["message"]) for e in no_file.json()["errors"]} == {
        ("x", "unknown form field"),
        ("file", "required: the file, as a file part"),
    }
    bad_fields = client.post(
        IMPORTS, headers=key, **upload(GED, format="csv", dataset="Not An Id", skip_bad_rows="yes")
    )
    assert bad_fields.status_code == 422
    assert [e["field"] for e in bad_fields.json()["errors"]] == [
        "format",
        "dataset",
        "skip_bad_rows",
    ]
    json_body = client.post(IMPORTS, headers=key, json={"file": "x"})
    assert json_body.status_code == 415
    garbage = client.post(
        IMPORTS,
        headers={**key, "Content-Type": "multipart/form-data; boundary=xyz"},
        content=b"--xyz\r\nnot a part",
    )
    assert garbage.status_code == 400
    assert garbage.json()["type"] == "urn:incident-record:problem:invalid-body"
    assert sql(engine, "SELECT count(*) FROM incident") == [(0,)]


def test_an_upload_needs_a_write_key(engine: Engine, client: TestClient) -> None:
    assert client.post(IMPORTS, **upload(GED)).status_code == 401
    reader = new_key(engine, scope="read", name="reader")
    assert client.post(IMPORTS, headers=reader, **upload(GED)).status_code == 403
    assert sql(engine, "SELECT count(*) FROM incident") == [(0,)]


def test_an_upload_over_the_limit_is_a_413(engine: Engine) -> None:
    key = new_key(engine)
    with client_for(engine, Settings(max_upload_bytes=4096)) as small:
        declared = small.post(IMPORTS, headers=key, **upload(GED))
        assert declared.status_code == 413
        assert "MAX_UPLOAD_BYTES" in declared.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            body = io.BytesIO()
            boundary = "b0undary"
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="g.csv"\r\n\r\n'.encode()
            )
            body.write(GED.read_bytes() + f"\r\n--{boundary}--\r\n".encode())
            data = body.getvalue()
            for n in range(0, len(data), 1024):
                yield data[n : n + 1024]

        streamed = small.post(
            IMPORTS,
            headers={**key, "Content-Type": "multipart/form-data; boundary=b0undary"},
            content=chunks(),
        )
        assert streamed.status_code == 413
    assert sql(engine, "SELECT count(*) FROM incident") == [(0,)]


# Out: the estimates, the provenance, the filters and the stats


FIGURES = {
    "fatalities": "best",
    "fatalities_low": "low",
    "fatalities_high": "high",
    "deaths_a": "deaths_a",
    "deaths_b": "deaths_b",
    "deaths_civilians": "deaths_civilians",
    "deaths_unknown": "deaths_unknown",
}
"""The incident's figures and the GED columns they come from."""


def figures_of(row: dict[str, str]) -> dict[str, int | None]:
    return {field: int(row[column]) if row[column] else None for field, column in FIGURES.items()}


def test_the_estimates_are_in_the_list_csv_and_geojson(engine: Engine, client: TestClient) -> None:
    import pandas as pd

    seed(engine)
    import_dataset(engine, GED)
    expected = {f"ucdp-ged-{r['id']}": figures_of(r) for r in raw(GED)}
    params = {"dataset": "ucdp-ged", "limit": 100}
    listed = client.get("/v1/incidents", params=params).json()["data"]
    assert {i["id"]: {f: i[f] for f in FIGURES} for i in listed} == expected
    features = client.get("/v1/incidents", params={**params, "format": "geojson"}).json()
    assert {
        f["id"]: {k: f["properties"][k] for k in FIGURES} for f in features["features"]
    } == expected
    answer = client.get("/v1/incidents", params={**params, "format": "csv"})
    frame = pd.read_csv(io.StringIO(answer.text), dtype=dict.fromkeys(FIGURES, "Int64"))
    read_back = {
        r["id"]: {k: None if pd.isna(r[k]) else int(r[k]) for k in FIGURES}
        for r in frame.to_dict("records")
    }
    assert read_back == expected
    # An article's incident has none of a dataset's estimates: null, never zero.
    article = client.get("/v1/incidents/2022-01-05-ain-al-asad-rockets").json()
    assert [article[k] for k in FIGURES if k != "fatalities"] == [None] * 6
    assert article["dataset"] is None


def test_the_detail_shows_the_dataset_row_verbatim(engine: Engine, client: TestClient) -> None:
    import_dataset(engine, GED, release="23.1")
    (row,) = (r for r in raw(GED) if r["id"] == "9000001")
    detail = client.get("/v1/incidents/ucdp-ged-9000001").json()
    origin = detail["dataset"]
    (source,) = sql(
        engine, "SELECT title, publisher, licence, citation FROM source WHERE id = 'ucdp-ged'"
    )
    assert (origin["source_id"], origin["format"], origin["release"]) == (
        "ucdp-ged",
        "ucdp-ged",
        "23.1",
    )
    assert (origin["title"], origin["publisher"], origin["licence"], origin["citation"]) == tuple(
        source
    )
    assert origin["licence"]
    assert origin["row_id"] == row["id"]
    words = ("source_article", "source_headline", "source_original", "where_description")
    assert origin["words"] == {k: row[k] for k in words if row[k]}
    assert (origin["type_of_violence"], origin["dyad_name"], origin["conflict_name"]) == (
        int(row["type_of_violence"]),
        row["dyad_name"],
        row["conflict_name"],
    )
    assert (origin["date_prec"], origin["where_prec"], origin["admin2"]) == (
        int(row["date_prec"]),
        int(row["where_prec"]),
        row["adm_2"],
    )
    assert origin["values"]["region"] == row["region"]
    assert origin["values"]["event_clarity"] == row["event_clarity"]
    assert {k: detail[k] for k in FIGURES} == figures_of(row)


def test_the_dataset_type_of_violence_and_estimate_filters(
    engine: Engine, client: TestClient
) -> None:
    seed(engine)
    import_dataset(engine, GED)
    rows = raw(GED)

    def ids(**params: Any) -> list[str]:
        answer = client.get("/v1/incidents", params={"limit": 100, **params})
        assert answer.status_code == 200, answer.text
        return sorted(i["id"] for i in answer.json()["data"])

    def expected(keep: Any) -> list[str]:
        return sorted(f"ucdp-ged-{r['id']}" for r in rows if keep(r))

    everything = ids()
    assert ids(dataset="ucdp-ged") == expected(lambda r: True)
    assert ids(dataset="UCDP-GED") == ids(dataset="ucdp-ged")
    assert len(everything) > len(rows)  # the seed's incidents are not the dataset's
    one_sided = expected(lambda r: r["type_of_violence"] == "3")
    assert one_sided
    assert ids(type_of_violence="3") == one_sided
    assert ids(type_of_violence="1,2") == expected(lambda r: r["type_of_violence"] in "12")
    # min_fatalities compares the estimate asked for; without one, the best as before.
    for estimate, column in (("low", "low"), ("best", "best"), ("high", "high")):
        found = ids(min_fatalities=5, fatalities_estimate=estimate)
        datasets = [i for i in found if i.startswith("ucdp-ged-")]
        assert datasets == expected(lambda r, c=column: r[c] != "" and int(r[c]) >= 5), estimate
    assert ids(min_fatalities=5) == ids(min_fatalities=5, fatalities_estimate="best")
    # An article's source is not a dataset; a code that is not GED's is refused.
    article = client.get("/v1/incidents", params={"dataset": "afp-2022-01-05-coalition-under-fire"})
    assert article.status_code == 400
    assert article.json()["errors"][0]["param"] == "dataset"
    assert "unknown dataset" in article.json()["errors"][0]["message"]
    bad = client.get("/v1/incidents", params={"type_of_violence": "4"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["param"] == "type_of_violence"
    wrong = client.get("/v1/incidents", params={"min_fatalities": 1, "fatalities_estimate": "mid"})
    assert wrong.status_code == 422


@pytest.mark.parametrize("params", [{}, {"dataset": "ucdp-ged"}])
def test_the_stats_sum_the_estimates_with_their_known_counts(
    engine: Engine, client: TestClient, params: dict[str, str]
) -> None:
    """From the tally (no filter) and from the incidents (a filter the tally lacks)."""
    seed(engine)
    import_dataset(engine, GED)
    answer = client.get("/v1/stats/incidents", params={"group_by": "country", **params})
    assert answer.status_code == 200, answer.text
    by_country = {r["country"]: r for r in answer.json()["data"]}
    incidents = sql(
        engine,
        "SELECT country, fatalities, fatalities_low, fatalities_high FROM incident"
        + (" WHERE source_id = 'ucdp-ged'" if params else ""),
    )
    assert set(by_country) == {r.country for r in incidents}
    for country, row in by_country.items():
        mine = [r for r in incidents if r.country == country]
        assert row["incidents"] == len(mine)
        for figure in ("fatalities", "fatalities_low", "fatalities_high"):
            known = [getattr(r, figure) for r in mine if getattr(r, figure) is not None]
            assert row[f"{figure}_known"] == len(known), (country, figure)
            assert row[figure] == (sum(known) if known else None), (country, figure)
    if not params:  # the seed's countries: estimates unknown, never zero
        assert by_country["IQ"]["fatalities_low"] is None
        assert by_country["IQ"]["fatalities_low_known"] == 0


def test_the_explorer_shows_the_estimates_and_the_rows_words(
    engine: Engine, client: TestClient
) -> None:
    import_dataset(engine, GED)
    (row,) = (r for r in raw(GED) if r["id"] == "9000001")
    answer = client.get("/explore/incidents/ucdp-ged-9000001", headers={"Accept": "text/html"})
    assert answer.status_code == 200, answer.text
    body = answer.text
    assert f"low {row['low']}, high {row['high']})" in body
    assert f"civilians {row['deaths_civilians']}" in body
    assert '<section id="dataset"' in body
    for column in ("source_article", "source_headline", "source_original", "where_description"):
        words = escape(row[column])  # as the page's templates escape text
        assert f'data-column="{column}">{words}</blockquote>' in body, column
    # An article's incident has neither.
    seed(engine)
    article = client.get("/explore/incidents/2022-01-05-ain-al-asad-rockets").text
    assert 'id="estimates"' not in article
    assert '<section id="dataset"' not in article
