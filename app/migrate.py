"""Alembic, driven from the app: `db upgrade`, `serve` and `/readyz` use these."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from app.config import PROJECT_ROOT
from app.db import refresh_statistics, without_time_limit

# Any constant will do: the session advisory lock of whoever migrates (PostgreSQL).
_MIGRATION_LOCK = 0x1C1DE28


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    if url:
        cfg.attributes["url"] = url
    return cfg


@lru_cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every migration of this version, so a database from a newer one can be told apart."""
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every migration, with no statement time limit (an index on a big table takes
    long); then, if one ran, refresh the planner's statistics (new indexes have none, and a
    database built by an older version may have none at all).

    PostgreSQL: with `VACUUM (ANALYZE)`, after the migrations' transaction. A migration
    that writes rows anew (6d1f0b8c2e57) leaves the old ones dead and the table's
    visibility map empty, and until a vacuum every index-only scan reads the table as well
    (the density sample's walk down one country's newest 2,000 keys fetched each of their
    rows); autovacuum may not come for a long while. 8 s at 1.385M incidents."""
    cfg = alembic_config()
    unlimited = without_time_limit(engine)
    with unlimited.begin() as connection:
        before = current_revision(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        migrated = current_revision(connection) != before
        if migrated and connection.dialect.name != "postgresql":
            refresh_statistics(connection)
    if migrated and engine.dialect.name == "postgresql":
        with unlimited.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")


@contextmanager
def one_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the database's migration lock: of several processes starting at once on one
    database, one migrates and seeds it while the others wait, then find nothing to do.

    PostgreSQL: a session advisory lock, on a connection of its own that leaves the pool
    and has no statement time limit (the wait lasts as long as a migration). SQLite: an
    exclusive `flock` of the folder that holds the database file. Not of the file itself:
    SQLite locks it with POSIX locks, and closing any descriptor of the file drops every
    POSIX lock this process holds on it, under the feet of its open connections.
    """
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            yield
            return
        try:
            descriptor = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        except OSError:  # no such folder: SQLite says so in its own words
            yield
            return
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # and with it the lock
        return
    connection = engine.connect()
    connection.detach()  # closed for good below, with its lock
    try:
        connection.exec_driver_sql("SET statement_timeout = 0")
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        connection.commit()
        yield
    finally:
        connection.close()
