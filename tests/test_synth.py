"""The synthetic record generator: the data it writes obeys the rules of real data."""

import itertools
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import psycopg
import pycountry
import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from app import synth
from app.errors import Conflict
from app.synth import COUNTRIES, GROUPS, UMBRELLAS, synthesize
from app.vocab import (
    EVENT_TYPES,
    ActorKind,
    Channel,
    Damage,
    DatePrecision,
    LocationKind,
    Relation,
    Role,
    Stance,
)
from tests.conftest import BACKENDS, client_for, migrated_engine
from tests.helpers_server import run_cli

N = 300


def rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def dump(engine: Engine) -> dict[str, list[Any]]:
    """Every row of every table, in primary-key order; without the clock's time of the
    last write (record_version.written_at), the one column no seed decides."""
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(SQLModel.metadata.tables.items()):
            columns = [c for c in table.columns if c.name != "written_at"]
            query = select(*columns).order_by(*table.primary_key.columns)
            out[name] = [tuple(r) for r in conn.execute(query)]
    return out


@pytest.fixture(params=BACKENDS)
def two_engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    with (
        migrated_engine(request.param, tmp_path) as one,
        migrated_engine(request.param, tmp_path) as two,
    ):
        yield one, two


def test_counts_and_proportions(engine: Engine) -> None:
    summary = synthesize(engine, N, seed=7)
    counts = {t: rows(engine, f"SELECT count(*) FROM {t}")[0][0] for t in summary.rows}
    assert counts == summary.rows
    assert counts["incident"] == N
    assert counts["attribution"] >= N
    assert counts["quote"] >= N
    assert counts["incident_excerpt"] >= N
    assert 20 * counts["source"] <= N <= 50 * counts["source"] + 50
    assert counts["location"] == 60  # N // 20, at least 60, at most 2,000
    kinds = Counter(k for (k,) in rows(engine, "SELECT kind FROM actor"))
    assert kinds["umbrella_group"] == UMBRELLAS
    assert kinds["armed_group"] + kinds["militia"] == GROUPS
    parents = rows(
        engine,
        "SELECT p.kind FROM actor a JOIN actor p ON p.id = a.parent_id "
        "WHERE a.kind IN ('armed_group', 'militia')",
    )
    assert [k for (k,) in parents] == ["umbrella_group"] * GROUPS
    countries = Counter(c for (c,) in rows(engine, "SELECT country FROM incident"))
    assert len(countries) >= 10
    (top, top_n), *_ = countries.most_common()
    assert top == "SY"
    assert top_n > 4 * min(countries.values())
    places = Counter(p for (p,) in rows(engine, "SELECT location_id FROM incident"))
    assert places.most_common(1)[0][1] >= 5 * N / counts["location"] / 2


def test_values_obey_the_vocabularies(engine: Engine) -> None:
    synthesize(engine, N, seed=8)
    boxes = {cc: box for cc, box, _ in COUNTRIES}
    for cc, lat, lon, kind, precision in rows(
        engine, "SELECT country, latitude, longitude, kind, geo_precision FROM location"
    ):
        assert pycountry.countries.get(alpha_2=cc) is not None
        lat0, lat1, lon0, lon1 = boxes[cc]
        assert lat0 <= lat <= lat1
        assert lon0 <= lon <= lon1
        assert kind in get_args(LocationKind)
        assert precision in (1, 2, 3)
    incidents = rows(
        engine,
        "SELECT i.date_start, i.date_end, i.date_precision, i.event_type, i.sub_event_type,"
        " i.damage, i.fatalities, i.injuries, i.country, l.country FROM incident i"
        " LEFT JOIN location l ON l.id = i.location_id",
    )
    for start, end, precision, kind, sub, damage, _, _, country, place_country in incidents:
        assert start <= end
        assert str(start) >= "2014-01-01"
        assert str(end) <= "2026-12-31"
        assert precision in get_args(DatePrecision)
        assert precision != "day" or start == end
        assert sub in EVENT_TYPES[kind]
        assert damage in get_args(Damage)
        assert place_country in (None, country)
    fatalities = Counter(
        "null" if f is None else "zero" if f == 0 else "some" for f in (r[6] for r in incidents)
    )
    assert min(fatalities.values()) >= N / 10
    assert {r[2] for r in incidents} >= {"day", "range"}
    assert {s for (s,) in rows(engine, "SELECT stance FROM attribution")} == set(get_args(Stance))
    assert {r for (r,) in rows(engine, "SELECT role FROM incident_actor")} <= set(get_args(Role))
    assert {c for (c,) in rows(engine, "SELECT channel FROM quote")} <= set(get_args(Channel))
    assert {k for (k,) in rows(engine, "SELECT kind FROM actor")} <= set(get_args(ActorKind))
    relations = rows(engine, "SELECT relation FROM incident_relation")
    assert {r for (r,) in relations} <= set(get_args(Relation))
    written = rows(engine, "SELECT quantity_text FROM weapon WHERE quantity_text IS NOT NULL")
    assert written
    assert rows(engine, "SELECT 1 FROM weapon WHERE quantity IS NULL")
    assert rows(engine, "SELECT 1 FROM attribution WHERE by_actor_id IS NULL") == []
    publishers = rows(engine, "SELECT DISTINCT publisher FROM source")
    assert publishers == [("incident-record synth",)]
    ids = rows(engine, "SELECT id FROM incident UNION ALL SELECT id FROM actor")
    assert all(i.startswith("synth-8-") for (i,) in ids)


def test_every_excerpt_and_quote_is_verbatim_at_its_span(engine: Engine) -> None:
    synthesize(engine, N, seed=9)
    texts = dict(rows(engine, "SELECT id, text FROM source"))
    spans = rows(
        engine,
        "SELECT source_id, span_start, span_end, text FROM incident_excerpt"
        " UNION ALL SELECT source_id, span_start, span_end, text FROM quote"
        " UNION ALL SELECT i.source_id, a.excerpt_start, a.excerpt_end, a.excerpt_text"
        " FROM attribution a JOIN incident i ON i.id = a.incident_id",
    )
    assert len(spans) > 3 * N
    for source_id, start, end, words in spans:
        assert texts[source_id][start:end] == words
    assert all("Not a real news report" in t for t in texts.values())


def test_same_seed_same_rows_and_another_seed_other_rows(
    two_engines: tuple[Engine, Engine],
) -> None:
    one, two = two_engines
    synthesize(one, N, seed=5)
    synthesize(two, N, seed=5)
    first = dump(one)
    assert first == dump(two)
    synthesize(two, N, seed=6)  # another seed goes beside it, under its own ids
    both = dump(two)
    assert len(both["incident"]) == 2 * N
    sixes = [r for r in both["incident"] if r[0].startswith("synth-6-")]
    assert [r[1:] for r in sixes] != [r[1:] for r in first["incident"]]


def test_the_same_seed_twice_is_refused_and_changes_nothing(engine: Engine) -> None:
    synthesize(engine, 50, seed=1)
    before = dump(engine)
    with pytest.raises(Conflict, match="already holds the synthetic set of seed 1"):
        synthesize(engine, 50, seed=1)
    assert dump(engine) == before


def test_a_failure_midway_writes_nothing(engine: Engine) -> None:
    # A row already holding one of the ids the set writes after its actors and places.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source (id, title, language, text, added, bundle_sha256,"
                " updated_at) VALUES ('synth-4-src-000002', 't', 'en', 'x', '[]', 'h',"
                " '2026-01-01 00:00:00')"
            )
        )
    with pytest.raises((IntegrityError, psycopg.IntegrityError)):  # Core or COPY
        synthesize(engine, N, seed=4)
    for table in ("actor", "location", "incident", "quote"):
        assert rows(engine, f"SELECT count(*) FROM {table}") == [(0,)]


def test_the_api_reads_it_back(engine: Engine) -> None:
    synthesize(engine, N, seed=2)
    # The umbrella with the most attributions to its groups (not to itself).
    (umbrella, expected), *_ = rows(
        engine,
        "SELECT g.parent_id, count(DISTINCT a.incident_id) AS n FROM attribution a"
        " JOIN actor g ON g.id = a.actor_id WHERE g.parent_id IS NOT NULL"
        " GROUP BY g.parent_id ORDER BY n DESC, g.parent_id",
    )
    children = {i for (i,) in rows(engine, f"SELECT id FROM actor WHERE parent_id = '{umbrella}'")}
    (also_direct,) = rows(
        engine, f"SELECT count(DISTINCT incident_id) FROM attribution WHERE actor_id = '{umbrella}'"
    )[0]
    with client_for(engine) as client:
        page = client.get("/v1/incidents", params={"attributed_to": umbrella, "limit": 1000})
        assert page.status_code == 200
        body = page.json()
        assert body["meta"]["total"] >= expected > 0
        assert body["meta"]["total"] <= expected + also_direct
        for incident in body["data"]:
            blamed = {a["actor_id"] for a in incident["attributed_to"]}
            assert blamed & (children | {umbrella})
        countries = client.get("/v1/countries").json()["data"]
        counts = sorted((c["incident_count"] for c in countries), reverse=True)
        assert sum(counts) == N
        assert counts[0] > 3 * counts[-1]
        assert {c["country"] for c in countries} <= {cc for cc, _, _ in COUNTRIES}
        detail = client.get(f"/v1/incidents/{body['data'][0]['id']}")
        assert detail.status_code == 200
        assert detail.json()["sources"]


@pytest.mark.slow
def test_the_command_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "synth.db"

    def synth(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(f"sqlite:///{db}", "synth", *args)

    first = synth("--incidents", "200", "--seed", "3")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("synth seed 3: 200 incidents, ")
    with sqlite3.connect(db) as conn:
        before = list(conn.iterdump())
        assert conn.execute("SELECT count(*) FROM incident").fetchone() == (200,)
    again = synth("--incidents", "200", "--seed", "3")
    assert again.returncode == 1
    assert again.stderr.startswith("error: the database already holds the synthetic set")
    assert "Traceback" not in again.stderr
    with sqlite3.connect(db) as conn:
        assert list(conn.iterdump()) == before
    bad = synth("--incidents", "0")
    assert bad.returncode == 2
    assert "--incidents" in bad.stderr


@pytest.mark.postgres
def test_postgresql_statistics_are_refreshed_as_the_incidents_double(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As an import does: without, synth slowed as it went on PostgreSQL, its batches'
    `COPY`s (with their foreign keys' checks) the slow statements, run with statistics of
    empty tables (90,000 incidents: 111 s without, 58 s with)."""
    monkeypatch.setattr(synth, "BATCH", 20)
    analyzed: list[int] = []
    with migrated_engine("postgresql", tmp_path) as engine:

        @event.listens_for(engine, "before_cursor_execute")
        def _seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("ANALYZE ") and " incident," in statement:
                analyzed.append(conn.exec_driver_sql("SELECT count(*) FROM incident").scalar())

        synthesize(engine, N, seed=3)
    assert len(analyzed) >= 3, analyzed
    assert all(later >= 2 * earlier for earlier, later in itertools.pairwise(analyzed))


@pytest.mark.postgres
def test_postgresql_has_planner_statistics_right_after(tmp_path: Path) -> None:
    with migrated_engine("postgresql", tmp_path) as engine:
        synthesize(engine, N, seed=3)
        with engine.connect() as conn:
            analyzed = conn.execute(
                text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'incident'")
            ).scalar()
            estimate = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'incident'")
            ).scalar()
    assert analyzed is not None
    assert estimate == N
