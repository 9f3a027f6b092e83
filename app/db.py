"""The engine and sessions; SQLite pragmas and the write transaction live here and nowhere else."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from sqlalchemy import Connection, Engine, event, select, text, update
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlmodel import Session, col, create_engine

from app.config import get_settings
from app.models import RecordVersion

# Any constant will do: every write transaction on PostgreSQL takes this advisory lock.
_WRITE_LOCK = 0x1C1DE27


@dataclass(frozen=True)
class Author:
    """Who makes a write: recorded with every change in the feed."""

    via: Literal["api", "cli"] = "cli"
    key_name: str | None = None


CLI = Author()


def _json(value: object) -> str:
    # Keep non-ASCII names searchable as written (Türkiye, not T\u00fcrkiye).
    return json.dumps(value, ensure_ascii=False)


def _sqlite_table_hint(_compiler: SQLiteCompiler, _table: object, hint: str | None) -> str | None:
    return hint


# SQLAlchemy renders no table hints for SQLite; ours are `INDEXED BY <index>`, the one
# hint SQLite takes (`Select.with_hint(table, "INDEXED BY ...", "sqlite")`).
SQLiteCompiler.get_from_hint_text = _sqlite_table_hint  # type: ignore[method-assign,assignment]


def make_engine(url: str) -> Engine:
    settings = get_settings()
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            json_serializer=_json,
            pool_size=settings.db_pool_size,
            max_overflow=10,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let SQLAlchemy emit BEGIN itself (below), so a write can say BEGIN IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            # Read a large file through memory mapping rather than a read() per page, and
            # keep more of it in the connection's cache (the default is 2 MiB).
            cursor.execute(f"PRAGMA mmap_size={settings.sqlite_mmap_bytes}")
            cursor.execute(f"PRAGMA cache_size=-{settings.sqlite_cache_kib}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            writing = connection.get_execution_options().get("write_lock", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        json_serializer=_json,
        pool_size=settings.db_pool_size,
        max_overflow=10,
    )

    @event.listens_for(engine, "begin")
    def _postgresql_begin(connection):
        if connection.get_execution_options().get("write_lock", False):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK})

    return engine


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@contextmanager
def write_session(engine: Engine, author: Author = CLI) -> Iterator[Session]:
    """A session for one write transaction, committed on success, holding the write lock.

    Writers are serialised from their first statement, so that a check (an ETag, "is this
    bundle already loaded?") and the write it guards are atomic, and so that the change
    feed's sequence numbers are in commit order. SQLite: `BEGIN IMMEDIATE` (a deferred
    transaction that reads and then writes fails with "database is locked" instead of
    waiting for busy_timeout). PostgreSQL: a transaction-scoped advisory lock.
    """
    with engine.connect() as connection:
        # Every transaction on this connection begins with the lock (see make_engine).
        connection.execution_options(write_lock=True)
        with Session(bind=connection, expire_on_commit=False) as session:
            session.info["author"] = author
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


def bump_version(connection: Connection | Session) -> None:
    """Mark the record as changed, in the writing transaction (see `record_version`)."""
    connection.execute(update(RecordVersion).values(version=RecordVersion.version + 1))


def record_version(session: Session) -> int:
    """A number that changes with every write of the record: answers computed from the
    data may be reused while it stays the same."""
    return int(session.connection().execute(select(col(RecordVersion.version))).scalar_one())


ANALYSIS_LIMIT = 1000
"""SQLite: rows of each index that ANALYZE samples (its documentation suggests 100 to 1000):
the statistics take a fraction of a second at a million incidents instead of a minute."""


def refresh_statistics(connection: Connection) -> None:
    """Fresh statistics for the query planner, after a bulk load (synth, a large import,
    a migration that adds indexes): until then a planner guesses, and guesses badly at
    a million rows (a country's every incident read for one month's page)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    connection.exec_driver_sql("ANALYZE")


@contextmanager
def bulk_write_cache(connection: Connection, mib: int = 256) -> Iterator[None]:
    """A larger SQLite page cache on this connection for a bulk write, then the old one.

    SQLite's default 2 MiB cache makes index inserts thrash past a few million rows
    (`synth` of 400k incidents: 105 s with it, 70 s with 256 MiB). Elsewhere a no-op.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{mib * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={before}")
