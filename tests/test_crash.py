"""Sudden death, graceful death and a full disk, against the real server.

- SIGKILL in the middle of a large import (both backends): after a restart the database
  passes its integrity checks, the bundle is wholly there or wholly absent, the change
  feed agrees with the data, and the same bundle then imports in full.
- SIGTERM lets a request in flight finish; past GRACEFUL_SHUTDOWN_SECONDS the server
  stops anyway, and the unfinished write is rolled back whole.
- A full disk (a small tmpfs of the test's own) during a write is a 503 problem; what was
  committed before is intact, and writes succeed again once there is room.
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import Database
from tests.helpers_bundles import many_incidents
from tests.helpers_faults import bundle_state, snapshot, sqlite_intact, sqlite_is_write_locked
from tests.helpers_pg import amcheck
from tests.helpers_server import LiveServer, cli_write_key, running_server

pytestmark = [pytest.mark.slow, pytest.mark.faults]

LARGE = 2000
"""Incidents in the large bundle: a few seconds of writing on either backend."""
SPILLING = {"SQLITE_CACHE_KIB": "512"}
"""A SQLite page cache small enough that the large import's pages spill into the WAL
before it commits, which is how `writing` sees it mid-write (the default cache holds it)."""


def post(server: LiveServer, key: str, data: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, timeout=120.0) as client:
        return client.post("/v1/sources", json=data, headers={"Authorization": f"Bearer {key}"})


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def sqlite_file(database: Database) -> Path:
    path = make_url(database.url).database
    assert path
    return Path(path)


def empty_wal(database: Database) -> None:
    """Checkpoint the SQLite WAL into the database and truncate it to nothing."""
    connection = sqlite3.connect(sqlite_file(database))
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, "the WAL was checkpointed and truncated"
    finally:
        connection.close()


def writing(database: Database) -> Callable[[], bool]:
    """Whether a write transaction is open and has already written rows it has not committed.

    SQLite: the write lock is held and the WAL (truncated before) holds over 1 MiB of the
    transaction's pages, spilled from its cache. PostgreSQL: a session of the server's has
    a transaction id, which a transaction gets at its first write.
    """
    if database.backend == "sqlite":
        wal = sqlite_file(database).with_name(sqlite_file(database).name + "-wal")
        return lambda: (
            wal.exists() and wal.stat().st_size > 1 << 20 and sqlite_is_write_locked(database.url)
        )
    engine = create_engine(database.url, pool_size=1)
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )

    def pg_writing() -> bool:
        with engine.connect() as connection:
            return bool(connection.execute(query).scalar())

    return pg_writing


def check_intact(database: Database) -> None:
    if database.backend == "sqlite":
        sqlite_intact(sqlite_file(database))
    else:
        amcheck(database.url)


@contextmanager
def importing(server: LiveServer, key: str, data: dict[str, Any]) -> Iterator[Future]:
    """POST `data` in the background; the future holds the response or the error."""
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(post, server, key, data)


def test_sigkill_in_the_middle_of_a_large_import(
    database: Database, tmp_path: Path, capsys
) -> None:
    small = many_incidents("before-the-crash", 3)
    large = many_incidents("cut-short", LARGE)
    first = running_server(tmp_path / "first", database_url=database.url, env=SPILLING)
    with first as server:
        key = cli_write_key(database.url, "crash-test")
        assert post(server, key, small).status_code == 201
        if database.backend == "sqlite":
            empty_wal(database)
        with importing(server, key, large) as pending:
            wait_for(writing(database), "the import is writing rows")
            server.kill(signal.SIGKILL)
            server.process.wait(timeout=10)
            with pytest.raises(httpx.TransportError):
                pending.result(timeout=30)
    check_intact(database)
    with (
        running_server(tmp_path / "second", database_url=database.url) as server,
        httpx.Client(base_url=server.base_url, timeout=60.0) as client,
    ):
        seen = snapshot(client)
        assert bundle_state(seen, small) == "present"
        state = bundle_state(seen, large)
        again = post(server, key, large)
        assert again.status_code == (201 if state == "absent" else 200), again.text
        seen = snapshot(client)
        assert bundle_state(seen, large) == "present"
        listed = client.get("/v1/sources/cut-short").json()["incident_ids"]
        assert len(listed) == LARGE
    check_intact(database)
    with capsys.disabled():
        print(f"\nSIGKILL mid-import on {database.backend}: the bundle was {state} after restart")


def test_sigterm_lets_an_import_in_flight_finish(tmp_path: Path) -> None:
    database = Database("sqlite", f"sqlite:///{tmp_path / 'graceful.db'}")
    data = many_incidents("graceful", LARGE // 4)
    env = {"GRACEFUL_SHUTDOWN_SECONDS": "60"}
    with running_server(tmp_path / "first", database_url=database.url, env=env) as server:
        key = cli_write_key(database.url, "graceful-test")
        with importing(server, key, data) as pending:
            wait_for(lambda: sqlite_is_write_locked(database.url), "the import is writing")
            server.kill(signal.SIGTERM)
            response = pending.result(timeout=60)
        assert response.status_code == 201, response.text
        server.process.wait(timeout=30)
    with (
        running_server(tmp_path / "second", database_url=database.url) as server,
        httpx.Client(base_url=server.base_url, timeout=60.0) as client,
    ):
        assert bundle_state(snapshot(client), data) == "present"


def test_sigterm_stops_within_the_grace_period(tmp_path: Path) -> None:
    database = Database("sqlite", f"sqlite:///{tmp_path / 'bounded.db'}")
    data = many_incidents("past-the-grace", LARGE)
    env = {"GRACEFUL_SHUTDOWN_SECONDS": "1", **SPILLING}
    with running_server(tmp_path / "first", database_url=database.url, env=env) as server:
        key = cli_write_key(database.url, "graceful-test")
        empty_wal(database)
        with importing(server, key, data) as pending:
            wait_for(writing(database), "the import is writing rows")
            signalled = time.monotonic()
            server.kill(signal.SIGTERM)
            server.process.wait(timeout=30)
            stopped = time.monotonic() - signalled
            cut = pending.result(timeout=30)
    # The import had seconds of writing left; the server gave it one, then stopped it:
    # its client was told so, and nothing of it was written.
    assert stopped < 1 + 4.0, f"stopped {stopped:.1f} s after SIGTERM"
    assert cut.status_code == 503, cut.text
    assert cut.headers["content-type"].startswith("application/problem+json")
    assert cut.headers["retry-after"].isdigit()
    assert cut.json()["type"].endswith(":shutting-down")
    sqlite_intact(sqlite_file(database))
    with (
        running_server(tmp_path / "second", database_url=database.url) as server,
        httpx.Client(base_url=server.base_url, timeout=60.0) as client,
    ):
        assert bundle_state(snapshot(client), data) == "absent"


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder` (root only), unmounted on exit."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = f"cannot mount a small filesystem here: {done.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (required under CI)")
        pytest.skip(reason)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until the filesystem is full; return it."""
    filler = disk / "filler"
    with open(filler, "wb") as out:
        chunk = b"\0" * 65536
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler


def test_a_full_disk_is_a_503_and_loses_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "16m") as disk:
        database = Database("sqlite", f"sqlite:///{disk / 'full.db'}")
        before = [many_incidents(f"before-the-disk-filled-{n}", 5) for n in range(3)]
        blocked = many_incidents("while-the-disk-is-full", 500)
        with (
            running_server(tmp_path / "server", database_url=database.url) as server,
            httpx.Client(base_url=server.base_url, timeout=60.0) as client,
        ):
            key = cli_write_key(database.url, "disk-test")
            for data in before:
                assert post(server, key, data).status_code == 201
            filler = fill(disk)
            refused = post(server, key, blocked)
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.headers["retry-after"].isdigit()
            problem = refused.json()
            assert problem["type"].endswith(":database-unavailable"), problem
            assert "disk" in problem["detail"], problem
            assert "INSERT" not in refused.text
            seen = snapshot(client)  # reads go on
            assert [bundle_state(seen, data) for data in before] == ["present"] * 3
            assert bundle_state(seen, blocked) == "absent"
            filler.unlink()
            assert post(server, key, blocked).status_code == 201, "writes resume by themselves"
            assert bundle_state(snapshot(client), blocked) == "present"
        sqlite_intact(disk / "full.db")
