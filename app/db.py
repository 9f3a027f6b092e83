"""The engine and sessions; SQLite pragmas and the write transaction live here and nowhere else."""

import itertools
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal

import orjson
from sqlalchemy import JSON, Connection, Engine, Table, event, text, update
from sqlmodel import Session, SQLModel, create_engine

from app import request_context
from app.config import get_settings
from app.db_errors import sqlite_result_code
from app.models import IncidentPlaceTally, IncidentTally, RecordVersion
from app.models.common import UTCDateTime, utcnow

# Any constant will do: every write transaction on PostgreSQL takes this advisory lock.
_WRITE_LOCK = 0x1C1DE27

STATEMENT_TIMEOUT = "statement_timeout_ms"
"""Execution option: a statement time limit in ms other than the engine's (0: none)."""
_CLOCK = "statement_clock"
# SQLite errors after which a connection stays broken: it opened a file it could not
# write read-only, for good; drop it, so that the next one sees the file as it is now.
_BROKEN_FILE = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}


@dataclass(frozen=True)
class Author:
    """Who makes a write, and why: recorded with every change in the feed and the history."""

    via: Literal["api", "cli"] = "cli"
    key_name: str | None = None
    reason: str | None = None


CLI = Author()


def _json(value: object) -> str:
    # Keep non-ASCII names searchable as written (Türkiye, not T\u00fcrkiye).
    return json.dumps(value, ensure_ascii=False)


def _pool() -> dict[str, int]:
    """Connections each process keeps: as many as requests run at once (DB_POOL_SIZE)."""
    return {"pool_size": get_settings().db_pool_size, "max_overflow": 10}


def make_engine(url: str, statement_timeout_ms: int | None = None) -> Engine:
    """The engine for `url`: every statement under `statement_timeout_ms` (default: settings).

    A statement over the limit fails (SQLite: interrupted by `_Watchdog`; PostgreSQL:
    `statement_timeout`), and so does a wait for a lock that long (SQLite:
    `busy_timeout`); `app.db_errors` makes both a 503.
    """
    if statement_timeout_ms is None:
        statement_timeout_ms = get_settings().statement_timeout_ms
    if url.startswith("sqlite"):
        return _sqlite_engine(url, statement_timeout_ms)
    engine = create_engine(url, pool_pre_ping=True, json_serializer=_json, **_pool())

    @event.listens_for(engine, "connect")
    def _postgresql_time_limit(dbapi_connection, _record):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET of the session, outside any transaction
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            # No parallel plans: a request has one core's worth, and under a LIMIT whose
            # cut-off is known only as the statement runs (a word's page: the key of its
            # 51st match) a Gather Merge had each worker read its share of the index to
            # the end, every incident at 1M (3.4 s for `q=drone&country=IQ`; 8 ms without).
            cursor.execute("SET max_parallel_workers_per_gather = 0")
            # No JIT: a statement the planner costs above `jit_above_cost` (a word's page
            # at 1M) spent 6 to 11 ms compiling, more than many run; q=drone from a date,
            # 472 ms with it, 193 without.
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit

    @event.listens_for(engine, "begin")
    def _postgresql_begin(connection):
        options = connection.get_execution_options()
        if STATEMENT_TIMEOUT in options:
            limit = int(options[STATEMENT_TIMEOUT])
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {limit}")
        if options.get("write_lock", False):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK})

    return engine


class _Watchdog:
    """A thread that interrupts SQLite statements past their deadline (sqlite3_interrupt,
    which SQLite lets another thread call). It replaced a progress handler, which called
    into Python every 1,000 steps of every statement: each call took Python's lock, and
    waited for it while another thread held it (stats under `q` while the server answered
    other requests took 2 to 4 times as long; a dataset import's writes waited there on
    its reading, most of their time).

    It looks at the running clocks every `TICK` (a deadline is kept to within it), and
    sleeps while none runs. A statement's start only sets its clock: a notice to the
    thread for every statement, with a heap of deadlines, cost a detail 0.05 ms a
    statement, the thread waking for each (docs/benchmarks.md, twelfth stop)."""

    TICK = 0.02

    def __init__(self) -> None:
        self.clocks: weakref.WeakSet[_Clock] = weakref.WeakSet()
        self.busy = threading.Event()  # set when a clock starts; cleared when none runs
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def add(self, clock: "_Clock") -> None:
        with self.lock:
            self.clocks.add(clock)
            if self.thread is None or not self.thread.is_alive():  # not yet, or forked
                self.thread = threading.Thread(target=self.run, name="sqlite-deadlines")
                self.thread.daemon = True
                self.thread.start()

    def run(self) -> None:
        while True:
            self.busy.wait()
            time.sleep(self.TICK)
            if not self.look():
                self.busy.clear()
                if self.look():  # one started between the look and the clear
                    self.busy.set()

    def look(self) -> bool:
        """Interrupt the statements past their deadline; whether any clock runs."""
        now, running = time.monotonic(), False
        for clock in list(self.clocks):
            started = clock.running  # first: a deadline read after it is at least as new
            if started is not None:
                running = True
                if clock.deadline <= now:
                    clock.expire(started)
        return running


_WATCHDOG = _Watchdog()


def _new_watchdog() -> None:
    global _WATCHDOG
    _WATCHDOG = _Watchdog()  # a forked child has no thread, and the lock may be held


os.register_at_fork(after_in_child=_new_watchdog)
_STARTS = itertools.count()


class _Clock:
    """The time limit of the statement running on one SQLite connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.lock = threading.Lock()
        self.running: int | None = None  # which statement is timed
        self.deadline = 0.0
        self.watchdog: _Watchdog | None = None

    def start(self, deadline: float) -> None:
        self.deadline = deadline
        with self.lock:
            self.running = next(_STARTS)
        watchdog = _WATCHDOG
        if self.watchdog is not watchdog:  # the first statement, or the first since a fork
            watchdog.add(self)
            self.watchdog = watchdog
        if not watchdog.busy.is_set():
            watchdog.busy.set()

    def stop(self) -> None:
        with self.lock:
            self.running = None

    def expire(self, started: int) -> None:
        """Interrupt the statement `started` if it still runs (the lock keeps the next one
        from starting meanwhile; an interrupt with no statement running does nothing)."""
        with self.lock:
            if self.running == started:
                try:
                    self.connection.interrupt()
                except sqlite3.ProgrammingError:  # closed meanwhile: nothing runs on it
                    self.running = None


def _sqlite_engine(url: str, statement_timeout_ms: int) -> Engine:
    settings = get_settings()
    engine = create_engine(
        url, connect_args={"check_same_thread": False}, json_serializer=_json, **_pool()
    )
    # A write waits for the write lock as long as a statement may run (0: as good as forever).
    busy_ms = statement_timeout_ms or 2**31 - 1

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, record):
        # Let SQLAlchemy emit BEGIN itself (below), so a write can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        # Read a large file through memory mapping rather than a read() per page. The page
        # cache's size is also what a sort holds in memory before it writes a sorted run
        # and merges: in runs of 2 MiB, each sorted by a helper thread while the statement
        # reads on, a word's 220,000 matches at 1M were grouped by place in 272 ms, where
        # one run of 16 MiB took 360 (docs/benchmarks.md, eleventh stop).
        cursor.execute(f"PRAGMA mmap_size={settings.sqlite_mmap_bytes}")
        cursor.execute(f"PRAGMA cache_size=-{settings.sqlite_cache_kib}")
        cursor.execute("PRAGMA threads=1")
        cursor.close()
        record.info[_CLOCK] = _Clock(dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _start_clock(connection, _cursor, _statement, _parameters, _context, _executemany):
        # The clock runs from a statement's start through the fetching of its rows, until
        # the next statement, the COMMIT or ROLLBACK (never interrupted), or the return of
        # the connection to the pool.
        limit = connection.get_execution_options().get(STATEMENT_TIMEOUT, statement_timeout_ms)
        clock = connection.connection.info[_CLOCK]
        if limit:
            clock.start(time.monotonic() + limit / 1000)
        else:
            clock.stop()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _stop_clock(connection):
        connection.connection.info[_CLOCK].stop()

    @event.listens_for(engine.pool, "reset")
    @event.listens_for(engine.pool, "invalidate")
    def _stop_pooled_clock(_dbapi_connection, record, _reset_state_or_exception):
        if _CLOCK in record.info:
            record.info[_CLOCK].stop()

    @event.listens_for(engine, "handle_error")
    def _drop_broken_connection(context):
        if sqlite_result_code(context.original_exception) in _BROKEN_FILE:
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        writing = connection.get_execution_options().get("write_lock", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def without_time_limit(engine: Engine) -> Engine:
    """`engine` with no statement time limit: for migrations and bulk loads, not requests.

    On SQLite a wait for the write lock stays bounded (`busy_timeout` is per connection).
    """
    return engine.execution_options(**{STATEMENT_TIMEOUT: 0})


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
                version = record_version(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
    # The response of a write names the version that holds it: a client sends it back as
    # `X-Min-Record-Version` so that no replica behind it answers its next read.
    request = request_context.current()
    if request is not None:
        request.record_version = version


def bump_version(connection: Connection | Session) -> None:
    """Mark the record as changed, now, in the writing transaction (`record_version`)."""
    changed = {"version": RecordVersion.version + 1, "written_at": utcnow()}
    connection.execute(update(RecordVersion).values(**changed))


@dataclass(frozen=True)
class RecordState:
    """The record's version and when it was last written, as one read saw them."""

    version: int
    written_at: datetime | None


RECORD_STATE = "record_state"
"""`Session.info` key: the state a read session read first, in the snapshot it reads in
(`app.replicas.ReadSession`); its other reads need not ask again."""


def read_record_state(connection: Connection) -> RecordState:
    # As the driver's SQL: every read runs it first, and SQLAlchemy's statement machinery
    # took 190 µs of it against 45 µs (SQLite, profiled: a tenth of a detail's CPU).
    found = connection.exec_driver_sql("SELECT version, written_at FROM record_version")
    version, written_at = found.one()
    if isinstance(written_at, str):  # SQLite keeps the time as text
        written_at = datetime.fromisoformat(written_at)
    return RecordState(int(version), _UTC.process_result_value(written_at, connection.dialect))


_UTC = UTCDateTime()


def record_state(session: Session) -> RecordState:
    """The version of the record that `session` reads, and when it was written."""
    state: RecordState | None = session.info.get(RECORD_STATE)
    return state if state is not None else read_record_state(session.connection())


def record_version(session: Session) -> int:
    """A number that changes with every write of the record: answers computed from the
    data may be reused while it stays the same."""
    return record_state(session).version


def record_written_at(session: Session) -> datetime | None:
    """When the record was last written (None: not since this was kept)."""
    return record_state(session).written_at


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


class StatisticsAsRowsDouble:
    """PostgreSQL, in a bulk write: fresh planner statistics of `tables` each time the rows
    written have doubled, from `first` on. With the statistics taken before the write (of
    empty tables, in a new record), PostgreSQL planned every batch for tables that were no
    longer there, and each batch took longer than the one before: an import compared its
    batches with every stored row and compiled each batch's history (JIT); synth's `COPY`s,
    with their foreign keys' checks, slowed as the tables grew (90,000 incidents: 111 s,
    58 s with). SQLite: nothing (it keeps no plans across statements)."""

    def __init__(self, connection: Connection, tables: Sequence[str], first: int) -> None:
        self.connection, self.tables, self.analyzed_at = connection, tables, first

    def written(self, rows: int) -> None:
        """`rows` have been written so far."""
        if self.connection.dialect.name != "postgresql" or rows < 2 * self.analyzed_at:
            return
        self.connection.exec_driver_sql(f"ANALYZE {', '.join(self.tables)}")
        self.analyzed_at = rows


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


@contextmanager
def full_text_after_bulk_write(connection: Connection) -> Iterator[None]:
    """SQLite: the full-text indexes written in one pass after a bulk insert.

    FTS5 writes out the terms of each statement as a segment of its own when the statement
    ends (its savepoint), and merges segments as it goes: row by row, a load of a million
    incidents spent most of its time there (py-spy on `synth`: `sqlite3VtabSavepoint`
    under every insert). So the insert triggers are dropped for the load, and then put
    back as they were in the same transaction (a failed load rolls back the drop with the
    rest): each `*_fts` index rebuilt from its table, and the search rows of the incidents
    the load added (migration b7e4d2a91c3f; their quotes' triggers skip an incident without
    its row) written with their words.

    PostgreSQL: the search row's trigger on `incident` is disabled for the load in the same
    way (row by row it made `synth` five times slower), and the rows of the incidents
    without one written at its end, in the order of their dates.
    """
    if connection.dialect.name == "postgresql":
        with _search_rows_after_bulk_write_postgresql(connection):
            yield
        return
    if connection.dialect.name != "sqlite":
        yield
        return
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND (name GLOB '*_fts_insert' OR name = 'incident_search_insert')"
    ).all()
    last = connection.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM incident").scalar_one()
    for name, _ in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for name, sql in triggers:
        connection.exec_driver_sql(sql)
        if name == "incident_search_insert":
            _write_search_rows(connection, last)
            continue
        fts = name.removesuffix("_insert")
        connection.exec_driver_sql(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')


POSTGRESQL_TALLY_TRIGGER = "incident_tally_keep"
"""The trigger that keeps the tallies (migrations a9e1f3c2b7d4, e4f7a2b9c1d6)."""


@dataclass
class BulkTallies:
    rebuild: bool = True
    """Set False when nothing was written after all: the tallies are right as they are."""


@contextmanager
def tallies_after_bulk_write(connection: Connection) -> Iterator[BulkTallies]:
    """PostgreSQL: the tallies (`incident_tally`, `incident_place_tally`) rebuilt in one
    pass after a bulk write, instead of kept row by row. Elsewhere a no-op.

    Their trigger upserts two tally rows per incident written, in PL/pgSQL: that was most
    of an import's time (385,000 rows of UCDP GED), more than grouping every incident
    once. So the trigger is disabled for the write (a SHARE ROW EXCLUSIVE lock: readers go
    on) and the tallies are rebuilt from the incidents at the end, in the same
    transaction: readers see the old tallies until it commits, and a failed write rolls
    the rest back with it. SQLite's triggers cost a few microseconds a row: they stay.
    """
    state = BulkTallies()
    if connection.dialect.name != "postgresql":
        yield state
        return
    trigger = POSTGRESQL_TALLY_TRIGGER
    connection.exec_driver_sql(f"ALTER TABLE incident DISABLE TRIGGER {trigger}")
    yield state
    connection.exec_driver_sql(f"ALTER TABLE incident ENABLE TRIGGER {trigger}")
    if state.rebuild:
        rebuild_tallies(connection)


def rebuild_tallies(connection: Connection) -> None:
    """Each tally as the grouped incidents give it, as the triggers keep it."""
    if connection.dialect.name == "postgresql":
        month = "to_char(date_start, 'YYYY-MM')"
    else:
        month = "substr(date_start, 1, 7)"
    keys = {
        IncidentTally: {
            "month": month,
            "country": "country",
            "event_type": "event_type",
            "sub_event_type": "sub_event_type",
        },
        IncidentPlaceTally: {
            "location_id": "coalesce(location_id, '')",
            "month": month,
            "country": "country",
        },
    }
    for model, key in keys.items():
        table: Table = model.__table__  # type: ignore[attr-defined]
        figures = [c.name for c in table.columns if c.name not in key]
        sums = [
            "count(*)" if f == "incidents"
            else f"count({f.removesuffix('_known')})" if f.endswith("_known")
            else f"coalesce(sum({f}), 0)"
            for f in figures
        ]  # fmt: skip
        groups = ", ".join(key.values())
        connection.exec_driver_sql(f"DELETE FROM {table.name}")
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join([*key, *figures])}) "
            f"SELECT {groups}, {', '.join(sums)} FROM incident GROUP BY {groups}"
        )


def _json_text(value: Any) -> str | None:
    """JSON text as `_json` writes it but compact, and fast (orjson): a bulk write makes
    several a row."""
    return None if value is None else orjson.dumps(value).decode()


def _binds(target: Table, columns: list[str], dialect: Any) -> list[tuple[int, Any]]:
    """(position, function) for each column whose values need making into what the driver
    takes: as the column type makes them for `dialect` (SQLite: a timestamp as the text
    SQLAlchemy stores, so that it compares with the values it binds), JSON by `_json_text`."""
    found = []
    for n, name in enumerate(columns):
        column_type = target.c[name].type
        made = column_type.dialect_impl(dialect).bind_processor(dialect)
        bind = _json_text if isinstance(column_type, JSON) else made
        if bind is not None:
            found.append((n, bind))
    return found


def bulk_insert(connection: Connection, table: str | Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of `table` (a model's table by name, or any table) at once, each a
    dict of the same columns (those it lacks take their defaults): an `executemany`
    INSERT, on PostgreSQL a `COPY`, several times faster than multi-row INSERTs there.
    The table's triggers fire per row."""
    if not rows:
        return
    target = SQLModel.metadata.tables[table] if isinstance(table, str) else table
    given = rows[0].keys()
    columns = [c.name for c in target.columns if c.computed is None and c.name in given]
    names = ", ".join(f'"{c}"' for c in columns)
    dialect = connection.dialect
    if dialect.name != "postgresql":
        # Statements of many rows each, their values made by the column types as
        # SQLAlchemy would (a date as text, a timestamp in UTC, JSON) but without its
        # per-row work, which cost more than SQLite's inserting. Many rows a statement,
        # not executemany: an FTS5 index writes a segment per statement, and merging a
        # segment per row was most of the time of a bulk write with its trigger on.
        get = itemgetter(*columns)
        binds = _binds(target, columns, dialect)
        values: list[Any] = []
        for row in rows:
            value = list(get(row)) if len(columns) > 1 else [get(row)]
            for n, bind in binds:
                value[n] = bind(value[n])
            values += value
        raw = connection.connection.driver_connection
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if raw is not None else 999
        per_statement = max(1, min(1000, limit // len(columns)))
        marks = "(" + ", ".join("?" * len(columns)) + ")"
        step = per_statement * len(columns)
        for n in range(0, len(values), step):
            count = min(step, len(values) - n) // len(columns)
            insert = f'INSERT INTO "{target.name}" ({names}) VALUES {", ".join([marks] * count)}'
            connection.exec_driver_sql(insert, tuple(values[n : n + step]))
        return
    json_columns = {c.name for c in target.columns if isinstance(c.type, JSON)}
    raw = connection.connection.driver_connection
    assert raw is not None
    copying = f'COPY "{target.name}" ({names}) FROM STDIN'
    with raw.cursor() as cursor, cursor.copy(copying) as copy:
        for row in rows:
            copy.write_row([_json_text(row[c]) if c in json_columns else row[c] for c in columns])


@contextmanager
def _search_rows_after_bulk_write_postgresql(connection: Connection) -> Iterator[None]:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM pg_trigger WHERE tgname = 'incident_search_insert'"
    ).first()
    if found is None:  # a schema before migration b7e4d2a91c3f
        yield
        return
    connection.exec_driver_sql("ALTER TABLE incident DISABLE TRIGGER incident_search_insert")
    yield
    connection.exec_driver_sql("ALTER TABLE incident ENABLE TRIGGER incident_search_insert")
    # The incidents without a row listed first, by a statement of their own: in the
    # INSERT, the planner (its statistics taken with the search rows still to come) read
    # `incident_search` through for each incident, the rows the INSERT had added so far
    # among them (50,000 incidents: 50 s, growing with the square).
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE incident_search_missing AS SELECT id FROM incident i"
        " WHERE NOT EXISTS (SELECT 1 FROM incident_search s WHERE s.incident_id = i.id)"
    )
    connection.exec_driver_sql("ANALYZE incident_search_missing")
    connection.exec_driver_sql(
        "INSERT INTO incident_search SELECT incident_search_key(date_start,"
        " nextval('incident_search_number')), id, country,"
        " incident_search_document(id, title, summary), date_start, event_type,"
        " sub_event_type, location_id, fatalities, fatalities_low, fatalities_high, injuries"
        " FROM (SELECT i.* FROM incident i JOIN incident_search_missing USING (id)"
        " ORDER BY date_start, id) AS i"
    )
    connection.exec_driver_sql("DROP TABLE incident_search_missing")


def _write_search_rows(connection: Connection, after: int) -> None:
    """The search rows of the incidents after rowid `after` (new ones: SQLite gives the
    next rowid), and their words in the list that expands prefixes: as the trigger writes
    them (migration b7e4d2a91c3f), those of their title, summary and quotes, through the
    scratch index (the whole index's would add the country codes)."""
    document = "FROM incident_search_document WHERE incident_rowid > ?"
    # In the order of the keys: FTS5 writes out what it holds in memory as a segment of
    # its own each time a key is lower than the one before (rows added in any order of
    # their dates, a dataset's, made a segment a row, merged as they came: minutes).
    connection.exec_driver_sql(
        "INSERT INTO incident_search (rowid, title, summary, quotes, country)"
        f" SELECT key, title, summary, quotes, country {document} ORDER BY key",
        (after,),
    )
    connection.exec_driver_sql(
        "INSERT INTO incident_search_scratch (rowid, text)"
        f" SELECT incident_rowid, title || ' ' || summary || ' ' || quotes {document}",
        (after,),
    )
    connection.exec_driver_sql(
        "INSERT OR IGNORE INTO incident_search_term SELECT term FROM incident_search_scratch_vocab"
    )
    connection.exec_driver_sql(
        "INSERT INTO incident_search_scratch (incident_search_scratch) VALUES ('delete-all')"
    )
