"""Reads from PostgreSQL streaming replicas: the read pool, its lag, and a read's session.

`DATABASE_READ_URL` names the replicas. Every read (`app.deps.SessionDep`) opens a
`ReadSession`, which at its first query takes a connection from a replica in the pool
(round robin) or, with none, from the primary (`DATABASE_URL`). Its first statement reads
the record's version, in the snapshot the rest of the request reads in (REPEATABLE READ
on PostgreSQL; a SQLite read transaction is one snapshot already): so the version a
response names (`X-Record-Version`) is exactly the data it shows, and whatever is cached
by version (`app.services.pagination`) is the same from every host and server.

A read that names `X-Min-Record-Version` (what its client's last write answered) is served
by a replica that has reached that version, or, after `REPLICA_WAIT_MS`, by the primary:
a client never reads its own write missing. Writes, the API keys and everything a write
reads stay on the primary: a revoked key stops working at once on every host.

Each server process measures its replicas every `REPLICA_CHECK_SECONDS` (a thread): the
bytes of WAL each has yet to replay (`pg_current_wal_lsn()` on the primary against
`pg_last_wal_replay_lsn()`), and for how long (see `Lag`). A replica further behind than
`MAX_REPLICA_LAG_SECONDS`, or one that does not answer, leaves the pool until a check finds
it answering and caught up. A replica that fails while a read connects to it is taken out
at once and the read goes to the next one or the primary; a replica lost in the middle of
a read fails that read with a 503, like the primary.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from app import request_context
from app.config import Settings, get_settings
from app.db import RECORD_STATE, RecordState, get_engine, make_engine, read_record_state

CONNECT_TIMEOUT_SECONDS = 2
"""A replica's connection attempt gives up after this, unless its URL says otherwise."""
_POLL_SECONDS = 0.01
"""How often a read waiting for a replica to reach its version looks again."""


def _lsn(value: str) -> int:
    """A WAL position (`16/B374D848`) as a byte offset."""
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def begin_read(engine: Engine) -> tuple[Connection, RecordState]:
    """A connection reading one snapshot of `engine`'s database, and the record's state in it."""
    connection = engine.connect()
    try:
        if connection.dialect.name == "postgresql":
            # One snapshot for the whole request: the version read first is the data read
            # after it (READ COMMITTED would let a write land between two statements).
            connection.execution_options(isolation_level="REPEATABLE READ")
        return connection, read_record_state(connection)
    except BaseException:
        connection.close()
        raise


@dataclass
class Lag:
    """How far a replica is behind the primary, as last measured.

    `seconds` is 0 when the replica has replayed all the WAL the primary had written;
    otherwise the time since the later of the last transaction it replayed
    (`pg_last_xact_replay_timestamp()`) and the last check that found it caught up: both
    are bounds on the age of the oldest transaction it still lacks, and the second keeps a
    replica of a primary idle for an hour from looking an hour behind when a write comes.
    """

    bytes: int | None = None
    seconds: float | None = None
    record_version: int | None = None
    error: str | None = None
    caught_up_at: datetime | None = None


class Replica:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.name = parsed.render_as_string(hide_password=True)
        if "connect_timeout" not in parsed.query:  # a host gone without a word
            parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
        self.engine = make_engine(parsed.render_as_string(hide_password=False))
        self.in_pool = False  # until a check has seen it answer, caught up
        self.lag = Lag()

        @event.listens_for(self.engine, "handle_error")
        def _lost(context: Any) -> None:
            if context.is_disconnect:
                self.fail(context.original_exception)

    def fail(self, exc: BaseException) -> None:
        self.in_pool = False
        self.lag.error = _reason(exc)


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split())[:300] or type(original).__name__


class ReadPool:
    """The replicas a process reads from, measured in the background; none: all on the primary."""

    def __init__(self, primary: Engine, urls: list[str], settings: Settings) -> None:
        self.primary = primary
        self.replicas = [Replica(url) for url in urls]
        self.max_lag = settings.max_replica_lag_seconds
        self.wait = settings.replica_wait_ms / 1000
        self.interval = settings.replica_check_seconds
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._checker: threading.Thread | None = None
        self._stopped = threading.Event()

    # Choosing where a read goes

    def begin(self, primary: Engine, min_version: int | None) -> tuple[Connection, RecordState]:
        """A read's connection and the record's state in it: a replica in the pool, at
        `min_version` or later if given (waiting up to REPLICA_WAIT_MS), else the primary."""
        if self.replicas:
            self._start_checking()
            deadline = time.monotonic() + self.wait
            while True:
                candidates = self._candidates()
                for replica in candidates:
                    try:
                        connection, state = begin_read(replica.engine)
                    except (DBAPIError, PoolTimeout) as exc:
                        replica.fail(exc)  # out until a check sees it answer again
                        continue
                    if min_version is None or state.version >= min_version:
                        return connection, state
                    connection.close()
                if not candidates or min_version is None or time.monotonic() >= deadline:
                    break
                time.sleep(_POLL_SECONDS)
        return begin_read(primary)

    def _candidates(self) -> list[Replica]:
        ready = [r for r in self.replicas if r.in_pool]
        if not ready:
            return ready
        first = next(self._turn) % len(ready)
        return ready[first:] + ready[:first]

    # Measuring the replicas

    def _start_checking(self) -> None:
        if self._checker is not None:
            return
        with self._lock:
            if self._checker is None:
                self._checker = threading.Thread(
                    target=self._check_forever, name="replica-lag", daemon=True
                )
                self._checker.start()

    def _check_forever(self) -> None:
        while not self._stopped.is_set():
            self.check()
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        """Stop measuring and close every replica's connections (tests; shutdown)."""
        self._stopped.set()
        if self._checker is not None:
            self._checker.join(timeout=10)
        for replica in self.replicas:
            replica.engine.dispose()

    def check(self) -> list[Replica]:
        """Measure every replica now, and put each in the pool or out of it."""
        if not self.replicas:
            return []
        with self._lock:
            try:
                with self.primary.connect() as connection:
                    primary_lsn = _lsn(connection.exec_driver_sql(_PRIMARY_LSN).scalar_one())
            except SQLAlchemyError:
                primary_lsn = None  # lag unknown: the replicas keep their standing
            for replica in self.replicas:
                self._measure(replica, primary_lsn)
            return list(self.replicas)

    def _measure(self, replica: Replica, primary_lsn: int | None) -> None:
        lag = replica.lag
        try:
            with replica.engine.connect() as connection:
                row = connection.execute(_REPLICA_LAG).one()
        except SQLAlchemyError as exc:
            replica.fail(exc)
            return
        lag.error = None
        if not row.in_recovery:
            replica.fail(RuntimeError("not a replica: it is not in recovery"))
            return
        lag.record_version = row.version
        if primary_lsn is None:
            return
        lag.bytes = max(0, primary_lsn - _lsn(row.replay_lsn)) if row.replay_lsn else None
        if lag.bytes == 0:
            lag.caught_up_at, lag.seconds = row.now, 0.0
        else:
            since = [t for t in (row.replayed_at, lag.caught_up_at) if t is not None]
            lag.seconds = (row.now - max(since)).total_seconds() if since else None
        replica.in_pool = lag.seconds is not None and lag.seconds <= self.max_lag


_PRIMARY_LSN = "SELECT pg_current_wal_lsn()::text"
_REPLICA_LAG = text(
    "SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS replay_lsn,"
    " pg_last_xact_replay_timestamp() AS replayed_at, now() AS now,"
    " (SELECT version FROM record_version) AS version"
)


class ReadSession(Session):
    """The session of a read: bound, at its first query, to a connection `pool` chooses.

    (SQLAlchemy's way to route a session's queries is `get_bind`; it may return a
    connection, which the session then reads through.)
    """

    def __init__(self, primary: Engine, pool: ReadPool, min_version: int | None) -> None:
        super().__init__()
        self._primary = primary
        self._pool = pool
        self._min_version = min_version
        self._connection: Connection | None = None

    def get_bind(self, *args: Any, **kwargs: Any) -> Connection:
        if self._connection is None:
            self._connection, state = self._pool.begin(self._primary, self._min_version)
            self.info[RECORD_STATE] = state
            request = request_context.current()
            if request is not None:
                request.record_version = state.version
        return self._connection

    def close(self) -> None:
        try:
            super().close()
        finally:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()


@lru_cache
def get_read_pool() -> ReadPool:
    settings = get_settings()
    return ReadPool(get_engine(), settings.database_read_url, settings)
