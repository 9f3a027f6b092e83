"""The statement time limit (STATEMENT_TIMEOUT_MS), and which database errors are a 503.

- A statement over the limit is stopped (SQLite: interrupted from a thread of the app's;
  PostgreSQL: `statement_timeout`), the connection stays usable, and `without_time_limit`
  lifts it. SQLite: a deadline stops its own statement only, never the next one.
- Over real HTTP, a request that waits for a lock past the limit answers a 503 problem
  with `Retry-After` instead of hanging its worker, and succeeds once the lock is gone.
- A real bug (here: a missing table) stays a 500, without SQL in the body.

Outages, read-only files and full disks: `test_load_faults.py`, `test_crash.py`.
"""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import db
from app.db import STATEMENT_TIMEOUT, make_engine, without_time_limit
from app.db_errors import database_unavailable
from app.errors import StatementTimeout
from tests.conftest import BACKENDS, Database, client_for, fresh_database, migrated_engine
from tests.helpers_bundles import bundle
from tests.helpers_server import cli_write_key, run_cli, running_server

pytestmark = [pytest.mark.slow, pytest.mark.faults]

COUNT = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
# Several seconds of work, and a quarter of a second or more: both over a 100 ms limit.
LONG = {
    "sqlite": COUNT.format(n=10_000_000) + "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(10)",
}
SHORT = {
    "sqlite": COUNT.format(n=1_000_000) + "SELECT count(*) FROM c",
    "postgresql": "SELECT 1000000 FROM pg_sleep(0.5)",
}


def run(engine: Engine, statement: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(statement).scalar()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_statement_over_the_limit_is_stopped(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url, statement_timeout_ms=100)
        try:
            for statement in (LONG[backend], SHORT[backend]):
                started = time.monotonic()
                with pytest.raises(OperationalError) as caught:
                    run(engine, statement)
                assert time.monotonic() - started < 2, "stopped near the limit, not at the end"
                unavailable = database_unavailable(caught.value)
                assert isinstance(unavailable, StatementTimeout), caught.value
                assert unavailable.status == 503
                assert unavailable.headers["Retry-After"].isdigit()
            assert run(engine, "SELECT 1") == 1, "the connections still serve"
            assert run(without_time_limit(engine), SHORT[backend]) == 1000000
        finally:
            engine.dispose()


def test_a_deadline_stops_its_own_statement_only(tmp_path: Path) -> None:
    """SQLite: the interrupt at a statement's deadline is for that statement: passing while
    the connection is idle, or while a later statement (with a limit of its own) runs, it
    stops nothing, and a write still commits after its statements' time is up."""
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url, statement_timeout_ms=300)
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
                time.sleep(0.4)  # its deadline passes, the connection idle
                assert connection.exec_driver_sql("SELECT 2").scalar() == 2
                # Its deadline passes 0.3 s in; this one runs longer, under a limit of 10 s.
                longer = connection.execution_options(**{STATEMENT_TIMEOUT: 10_000})
                started = time.monotonic()
                counted = longer.exec_driver_sql(
                    COUNT.format(n=3_000_000) + "SELECT count(*) FROM c"
                )
                assert counted.scalar() == 3_000_000
                assert time.monotonic() - started > 0.3, "the deadline before passed meanwhile"
            with engine.begin() as connection:  # a write whose last statement's time is up
                connection.exec_driver_sql("CREATE TABLE kept (x)")
                connection.exec_driver_sql("INSERT INTO kept VALUES (1)")
                time.sleep(0.4)
            assert run(engine, "SELECT count(*) FROM kept") == 1
        finally:
            engine.dispose()


def test_the_deadline_thread_sleeps_while_no_statement_runs(tmp_path: Path) -> None:
    """SQLite: the thread that keeps the deadlines looks at the clocks while a statement
    runs, and sleeps once none does (a statement's start wakes it)."""
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url, statement_timeout_ms=10_000)
        try:
            with engine.connect() as connection:
                rows = connection.exec_driver_sql(COUNT.format(n=1000) + "SELECT x FROM c")
                assert db._WATCHDOG.busy.is_set(), "a running statement is watched"
                time.sleep(10 * db._Watchdog.TICK)
                assert db._WATCHDOG.busy.is_set(), "still running: its rows are not read"
                assert len(rows.all()) == 1000
                connection.rollback()
            time.sleep(10 * db._Watchdog.TICK)
            assert not db._WATCHDOG.busy.is_set(), "nothing runs: the thread sleeps"
        finally:
            engine.dispose()


@contextmanager
def locked(database: Database, table: str = "source") -> Iterator[None]:
    """Another client holds the lock a write needs (PostgreSQL: reads of `table` too)."""
    if database.backend == "sqlite":
        path = make_url(database.url).database
        assert path
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def assert_timed_out(response: httpx.Response, waited: float) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"].isdigit()
    assert response.json()["type"].endswith(":statement-timeout"), response.text
    assert "SELECT" not in response.text
    assert "INSERT" not in response.text
    assert 0.5 <= waited < 5, f"answered after {waited:.2f} s (limit 0.5 s)"


def test_a_request_waiting_past_the_limit_is_a_503(database: Database, tmp_path: Path) -> None:
    env = {"STATEMENT_TIMEOUT_MS": "500"}
    with (
        running_server(tmp_path, database_url=database.url, env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=30.0) as client,
    ):
        auth = {"Authorization": f"Bearer {cli_write_key(database.url, 'timeout-test')}"}
        with locked(database):
            started = time.monotonic()
            refused = client.post("/v1/sources", json=bundle(), headers=auth)
            assert_timed_out(refused, time.monotonic() - started)
            started = time.monotonic()
            read = client.get("/v1/sources")
            if database.backend == "postgresql":
                assert_timed_out(read, time.monotonic() - started)
            else:
                assert read.status_code == 200, "SQLite readers never wait for a writer"
        assert client.post("/v1/sources", json=bundle(), headers=auth).status_code == 201
        assert client.get("/v1/sources").status_code == 200


@pytest.mark.postgres
def test_a_streamed_export_whose_first_rows_time_out_is_a_503(tmp_path: Path) -> None:
    """Its headers are made, then its first rows wait for a lock: still a 503 problem (gzip
    held the headers back), and the connection is closed, as the server closes it."""
    with fresh_database("postgresql", tmp_path) as url:
        database = Database("postgresql", url)
        env = {"STATEMENT_TIMEOUT_MS": "500"}
        with (
            running_server(tmp_path, database_url=url, env=env) as server,
            httpx.Client(base_url=server.base_url, timeout=30.0) as client,
        ):
            with locked(database, "incident_excerpt"):
                started = time.monotonic()
                cut = client.get("/v1/incidents?format=ndjson")
                assert_timed_out(cut, time.monotonic() - started)
                assert cut.headers["connection"] == "close"
            assert client.get("/v1/incidents?format=ndjson").status_code == 200


def test_the_command_line_says_the_database_is_locked(tmp_path: Path) -> None:
    database = Database("sqlite", f"sqlite:///{tmp_path / 'cli.db'}")
    assert run_cli(database.url, "db", "upgrade").returncode == 0
    with locked(database):
        done = run_cli(database.url, "seed", env={"STATEMENT_TIMEOUT_MS": "300"})
    assert done.returncode == 1
    assert done.stderr.startswith("error: the database stayed locked"), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_real_bug_stays_a_500(backend: str, tmp_path: Path) -> None:
    with migrated_engine(backend, tmp_path) as engine:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE change"))
        with client_for(engine) as client:
            response = client.get("/v1/changes")
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(":internal-error")
    assert "change" not in response.json()["detail"]
