"""The Alembic migrations build exactly the schema the models describe, on both backends."""

import pytest
from alembic import command
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from app.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.helpers_writes import search_figures_beside_incidents, seed, tallies_beside_grouped

TALLIES = ("incident_tally", "incident_place_tally")


def _run(engine: Engine, fn: object, *args: str) -> None:
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        fn(cfg, *args)  # type: ignore[operator]


def test_upgrade_reaches_head_and_models_do_not_drift(engine: Engine) -> None:
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    # `alembic check` fails if autogenerate would write a new migration.
    _run(engine, command.check)


def test_every_table_and_index_exists(engine: Engine) -> None:
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    incident_indexes = {tuple(i["column_names"]) for i in inspector.get_indexes("incident")}
    for column in (
        "event_type",
        "sub_event_type",
        "location_id",
        "admin1",
        "fatalities",
        "updated_at",
        "source_id",
    ):
        assert (column,) in incident_indexes
    assert ("date_start", "id") in incident_indexes
    # The scale indexes (app.services.filters): a country's page in date order, and a
    # date window by how long incidents last.
    assert ("country", "date_start", "id") in incident_indexes
    assert ("span_class", "date_start", "date_end") in incident_indexes
    attribution = {tuple(i["column_names"]) for i in inspector.get_indexes("attribution")}
    assert ("incident_id", "actor_id", "stance") in attribution
    assert {"incident_tally", "incident_place_tally", "record_version"} <= tables


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    _run(engine, command.downgrade, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    _run(engine, command.upgrade, "head")
    _run(engine, command.check)


def _without_rowid(engine: Engine) -> list[bool]:
    """SQLite: whether each tally is a WITHOUT ROWID table."""
    with engine.connect() as connection:
        return [
            connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            )
            .scalar_one()
            .rstrip()
            .endswith("WITHOUT ROWID")
            for table in TALLIES
        ]


def test_the_tallies_are_stored_by_their_key_and_keep_their_rows(engine: Engine) -> None:
    """Migration 3c8d1e5a7f20, down and up with a record in the database: on SQLite the
    tallies become WITHOUT ROWID tables (and back), with their rows, their indexes and the
    triggers that keep them; on PostgreSQL nothing changes."""
    seed(engine)
    before = tallies_beside_grouped(engine)
    indexes = {t: inspect(engine).get_indexes(t) for t in TALLIES}
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        assert _without_rowid(engine) == [True, True]
    _run(engine, command.downgrade, "b7e4d2a91c3f")
    if sqlite:
        assert _without_rowid(engine) == [False, False]
    assert tallies_beside_grouped(engine) == before
    _run(engine, command.upgrade, "head")
    if sqlite:
        assert _without_rowid(engine) == [True, True]
    assert tallies_beside_grouped(engine) == before
    assert {t: inspect(engine).get_indexes(t) for t in TALLIES} == indexes
    # The triggers on `incident` write the new tables.
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM incident WHERE id = (SELECT min(id) FROM incident)")
    after = tallies_beside_grouped(engine)
    assert after != before
    for kept, grouped in after:
        assert kept == grouped
    # And those of the search figures (migration 6d1f0b8c2e57, made again by the upgrade).
    kept_figures, incidents = search_figures_beside_incidents(engine)
    assert kept_figures == incidents
    assert len(incidents) == 9
    if not sqlite:  # written again in the order of their keys, after the UPDATE
        clustered = (
            "SELECT indisclustered FROM pg_index"
            " WHERE indexrelid = 'incident_search_pkey'::regclass"
        )
        with engine.connect() as connection:
            assert connection.exec_driver_sql(clustered).scalar_one() is True


def test_sqlite_timestamps_written_without_their_fraction_are_completed(engine: Engine) -> None:
    """Migration 8b3f1d6e2a40: on SQLite, a timestamp written as `YYYY-MM-DD HH:MM:SS` (as
    bulk writes did) is completed to the form SQLAlchemy stores and binds, in every
    timestamp column; one written in full is left as it was. PostgreSQL: nothing."""
    seed(engine)
    _run(engine, command.downgrade, "5e2c9a4d7b13")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE incident SET updated_at = '2026-07-01 00:00:00'"
            " WHERE id = (SELECT min(id) FROM incident)"
        )
        connection.exec_driver_sql("UPDATE source SET updated_at = '2026-07-01 00:00:00.250000'")
        connection.exec_driver_sql("UPDATE record_version SET written_at = '2026-07-02 10:00:00'")
    _run(engine, command.upgrade, "head")
    with engine.connect() as connection:
        first = connection.exec_driver_sql(
            "SELECT CAST(updated_at AS TEXT) FROM incident ORDER BY id LIMIT 1"
        ).scalar_one()
        sources = set(
            connection.exec_driver_sql("SELECT CAST(updated_at AS TEXT) FROM source").scalars()
        )
        written = connection.exec_driver_sql(
            "SELECT CAST(written_at AS TEXT) FROM record_version"
        ).scalar_one()
    if engine.dialect.name == "sqlite":
        assert first == "2026-07-01 00:00:00.000000"
        assert sources == {"2026-07-01 00:00:00.250000"}
        assert written == "2026-07-02 10:00:00.000000"
    else:  # timestamps, not text: as they were
        assert first.startswith("2026-07-01 00:00:00")
        assert written.startswith("2026-07-02 10:00:00")


def test_an_upgrade_vacuums_postgresql_after_its_migrations(engine: Engine) -> None:
    """`db upgrade` (app.migrate.upgrade) that ran a migration vacuums the database after
    it: 6d1f0b8c2e57 writes every search row anew, and its visibility map stays empty
    until a vacuum (each index-only scan reading the table as well)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no visibility map")
    seed(engine)
    _run(engine, command.downgrade, "8b3f1d6e2a40")
    _run(engine, command.upgrade, "head")
    visible = "SELECT relallvisible FROM pg_class WHERE relname = 'incident_search'"
    with engine.connect() as connection:
        assert connection.exec_driver_sql(visible).scalar_one() == 0  # by Alembic alone
    _run(engine, command.downgrade, "8b3f1d6e2a40")
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert connection.exec_driver_sql(visible).scalar_one() > 0
