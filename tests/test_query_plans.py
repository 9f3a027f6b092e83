"""Query plans that the read latency at size depends on (docs/benchmarks.md).

Each sort of the incident list reads a page in index order, on both backends.

Without its index a sort makes every page sort all the matches (at 100k incidents,
85 ms a page instead of 11 on PostgreSQL; docs/benchmarks.md). The database must also
recognise the indexed expression in the query, which a bound parameter in place of a
literal silently prevents.
"""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Select, event, text
from sqlmodel import Session, col

from app.config import Settings, get_settings
from app.models import Incident
from app.schemas.queries import IncidentQuery, StatsQuery
from app.services.incidents import incidents_select, page_keys
from app.services.stats import incident_stats
from app.sql.dialect import (
    SEARCH,
    JsonTimestamp,
    SearchIncident,
    SearchOf,
    SpanDays,
    TimeBucket,
    Unindexed,
)
from app.synth import synthesize
from tests.conftest import migrated_engine

INDEXES = {
    "-date": "ix_incident_date_start_id",
    "date": "ix_incident_date_start_id",
    "-fatalities": "ix_incident_fatalities_sort",
    "fatalities": "ix_incident_fatalities_sort",
    "updated_at": "ix_incident_updated_at_id",
}


def _plan(session: Session, stmt: Select[Any], *, tiny: bool = True) -> str:
    """The plan of `stmt` as the app sends it: with its bound parameters, not inlined.

    `tiny`: the tables hold a handful of rows, so PostgreSQL is told to prefer indexes.
    """
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    sql, connection = str(compiled), session.connection()
    if connection.dialect.name == "postgresql" and tiny:
        # The test tables are tiny: make a sort the costlier choice, so the plan shows
        # whether the index can serve the order at all.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_sort = off"))
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql("EXPLAIN " + sql, params)
    else:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


@pytest.mark.parametrize("sort", sorted(INDEXES))
def test_sort_reads_its_index(engine: Engine, sort: str) -> None:
    (stmt,) = page_keys(IncidentQuery(sort=sort))
    with Session(engine) as session:
        plan = _plan(session, stmt)
    assert INDEXES[sort] in plan, plan
    # No sort step after reading it (SQLite's temporary b-tree, PostgreSQL's Sort node).
    assert "TEMP B-TREE" not in plan, plan
    assert "Sort" not in plan, plan


def test_bbox_finds_incidents_by_location_index(tmp_path: Path) -> None:
    """SQLite counts a box's incidents from the locations in it, not from every incident.

    SQLite only: PostgreSQL plans the IN and the EXISTS forms alike (a semi-join).
    """
    stmt = incidents_select(IncidentQuery(bbox="43.5,32.5,45.5,34.5"))
    with migrated_engine("sqlite", tmp_path) as engine, Session(engine) as session:
        plan = _plan(session, stmt)
    assert "SEARCH incident USING" in plan, plan
    assert "ix_incident_location_id" in plan, plan


def test_a_date_window_reads_two_index_ranges(engine: Engine) -> None:
    """Incidents overlapping a month: those starting in it (one range of the country's date
    index), and those that started earlier and still run (ranges of the span index), never
    a scan of everything older. On synthetic data with the planner's statistics, as a
    database is after `synth` or a large import."""
    synthesize(engine, 3000, seed=11)
    query = IncidentQuery(country=["SY"], date_from="2022-01-01", date_to="2022-01-31")
    inside, before = page_keys(query)
    with Session(engine) as session:
        inside_plan = _plan(session, inside, tiny=False)
        before_plan = _plan(session, before, tiny=False)
    assert "ix_incident_country_date" in inside_plan, inside_plan
    assert "ix_incident_span" in before_plan, before_plan
    assert "SCAN incident" not in inside_plan + before_plan  # SQLite's full scan
    assert "Seq Scan" not in inside_plan + before_plan  # PostgreSQL's


def test_sqlite_sorts_in_small_runs_beside_a_helper_thread(tmp_path: Path) -> None:
    """SQLite: a sort (a word's matches grouped by place) holds as much in memory as the
    page cache, then writes a sorted run and merges. Runs of 2 MiB sorted by a helper
    thread grouped `drone`'s 220,000 matches at 1M in 272 ms, one run of 16 MiB in 360
    (docs/benchmarks.md). SQLite only: PostgreSQL groups by hashing."""
    assert Settings.model_fields["sqlite_cache_kib"].default == 2048
    with migrated_engine("sqlite", tmp_path) as engine, engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA threads").scalar() == 1
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        assert cache == -get_settings().sqlite_cache_kib


def test_the_map_counts_follow_the_place_tallys_key(tmp_path: Path) -> None:
    """SQLite: the stats by place (the explorer's map) group the place tally in the order
    of its key, with no sort of its rows (at 1M incidents, 314,000 rows: 163 ms sorted,
    76 ms in key order). SQLite only: PostgreSQL's planner chooses its own way."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        statements.append((sql, params))

    with migrated_engine("sqlite", tmp_path) as engine, Session(engine) as session:
        event.listen(engine, "before_cursor_execute", seen)
        incident_stats(session, StatsQuery(group_by=["location"]))
        (sql, params), *_ = [s for s in statements if "incident_place_tally" in s[0]]
        rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(" ".join(str(v) for v in row) for row in rows)
    assert "GROUP BY" in sql, sql
    assert "incident_place_tally" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    # Nor are the first and last months read (a scan too): they bound a time bucket only.
    assert not [s for s in statements if "min(" in s[0]], statements


def test_the_sql_elements_of_our_own_are_cached_by_what_they_hold() -> None:
    """SQLAlchemy compiles a statement once per cache key. An element with no state (the
    join to a search row) must have a key, or every statement holding it is compiled
    anew on each request; one with state must keep its state in its key, or two
    statements that differ there would share one compiled SQL."""
    for stateless in (SearchOf(), SpanDays()):
        assert stateless._generate_cache_key() is not None, stateless
    start, updated = col(Incident.date_start), col(Incident.updated_at)
    pairs = [
        (JsonTimestamp(updated), JsonTimestamp(start)),
        (TimeBucket("month", start), TimeBucket("year", start)),
        (Unindexed(col(Incident.country)), Unindexed(col(Incident.event_type))),
        (SearchIncident(SEARCH.c.rowid), SearchIncident(-SEARCH.c.rowid)),
    ]
    for one, other in pairs:
        assert one._generate_cache_key() != other._generate_cache_key(), one


def test_stats_of_one_event_type_read_its_months_of_the_tally(engine: Engine) -> None:
    """Stats filtered by event type read that type's rows of the months asked, by the
    tally's index on (event_type, month), not every type's rows of those months (at
    1,385,000 incidents on PostgreSQL, 2,973 tally rows read instead of 14,546: 3.8 ms of
    SQL instead of 11 to 14; migration 5e2c9a4d7b13). PostgreSQL is told to prefer
    indexes, as the test's tally is tiny; SQLite may read the months by its key instead,
    in the tally's own order, which costs it the same."""
    synthesize(engine, 300, seed=5)
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        statements.append((sql, params))

    query = StatsQuery(
        group_by=["month", "country"],
        event_type=["Battles"],
        date_from="2016-01-01",
        date_to="2020-12-31",
    )
    with Session(engine) as session:
        event.listen(engine, "before_cursor_execute", seen)
        try:
            incident_stats(session, query)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        (sql, params), *_ = [s for s in statements if "FROM incident_tally" in s[0]]
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
            rows = connection.exec_driver_sql("EXPLAIN " + sql, params)
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(" ".join(str(v) for v in row) for row in rows)
    assert "incident_tally" in plan, plan
    if engine.dialect.name == "postgresql":
        assert "ix_incident_tally_event_type_month" in plan, plan
